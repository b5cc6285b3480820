import { InvalidArgumentError } from 'commander';

/**
 * Parsers for option values. Each refuses a bad value with commander's InvalidArgumentError, so
 * the user reads one line naming the option, the value and what it must be, and the CLI exits 2
 * before anything starts.
 */

/** Decimal digits only: `Number()` would also take '', ' 5', '1e3', '0x10' and '5.0'. */
const DECIMAL_INTEGER = /^-?\d+$/;

/** A parser for an integer option from `min` to `max`, both included; `note` explains the bound. */
export function integerOption(min: number, max: number, note = ''): (value: string) => number {
  const rule = `must be an integer from ${min} to ${max}${note ? ` (${note})` : ''}`;
  return (value) => {
    // `+ 0` turns a typed '-0' into 0.
    const number = DECIMAL_INTEGER.test(value) ? Number(value) + 0 : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max)
      throw new InvalidArgumentError(rule);
    return number;
  };
}

/** A TCP port; 0 lets the system pick a free one. */
export const parsePort = integerOption(0, 65535);

/** The seed every random choice of a run derives from (the seeded generator takes 32 bits). */
export const parseSeed = integerOption(0, 2 ** 32 - 1);

/** Pipeline processes sharing one port: more than 64 on one machine only adds contention. */
export const parseWorkers = integerOption(1, 64);

/** The largest webhook body: the same bound as a scenario's oversized `webhook.sendRaw` body. */
export const MAX_BODY_BYTES_LIMIT = 64 * 1024 * 1024;
export const parseMaxBodyBytes = integerOption(1, MAX_BODY_BYTES_LIMIT, '64 MiB');

/** An HTTP status code a server can answer with. */
export const parseHttpStatus = integerOption(100, 599);

/**
 * An amount in minor units. Negative amounts are allowed on purpose (a partner testing how the
 * pipeline treats a credit); beyond ±2^53 the number would change on its way through JSON.
 */
export const parseMinorUnits = integerOption(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}
