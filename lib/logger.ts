import { pino, type DestinationStream, type LogFn, type Logger } from 'pino';
import { Redactor } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
  /**
   * Applied to every record and message. Without one, only secret-named keys and credential
   * headers are masked: a logger that knows the PII fields and secrets gets them from its owner.
   */
  redactor?: Redactor;
}

/** The redactor a logger (or any child of it) applies to message strings. */
const REDACTOR = Symbol('b2b.redactor');
type RedactingLogger = Logger & { [REDACTOR]?: Redactor };

/**
 * JSON logs (pino). Records carry `partner_id` and `correlation_id` as top-level fields so a log
 * excerpt can be cut per exchange. Every record goes through the redactor before it is written
 * (`formatters.log`), so do message strings (`hooks.logMethod`), and errors keep only name,
 * message, code and stack frames: a store error's statement and parameters never reach a log.
 */
export function createLogger(options: LoggerOptions): Logger {
  const redactor = options.redactor ?? new Redactor();
  const logger: RedactingLogger = pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
      ...redactingOptions(redactor),
      hooks: { logMethod: redactMessage },
    },
    options.destination,
  );
  logger[REDACTOR] = redactor;
  return logger;
}

/**
 * The same logger (level, destination, bindings) redacting with `redactor`: for a component that
 * knows the PII fields and secrets its owner's logger was built without (the pipeline server gets
 * its logger from the CLI before the partner profiles are loaded).
 */
export function withRedactor(logger: Logger, redactor: Redactor): Logger {
  const child: RedactingLogger = logger.child({}, redactingOptions(redactor));
  child[REDACTOR] = redactor;
  return child;
}

/** A logger that drops everything: for tests and benchmarks that measure other things. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

function redactingOptions(redactor: Redactor) {
  const serializeError = (error: unknown) => redactor.error(error);
  return {
    formatters: { log: <T extends object>(record: T): T => redactor.record(record) },
    // pino runs these after `formatters.log`: an `err` that was not an Error instance (a plain
    // object from some driver) is cut down to the same safe shape here.
    serializers: { err: serializeError, error: serializeError },
  };
}

/**
 * Message strings and interpolation arguments, redacted. When only an error is logged, pino
 * would take its raw message as the line's message: the redacted one is given instead.
 */
function redactMessage(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const redactor = (this as RedactingLogger)[REDACTOR];
  if (!redactor) return method.apply(this, args);
  const values = args as unknown[];
  const first = values[0];
  let rest = 1;
  if (typeof first === 'string') values[0] = redactor.text(first);
  else if (first !== null && typeof first === 'object') {
    rest = 2;
    const fields = first as { err?: unknown; msg?: unknown };
    const error = first instanceof Error ? first : fields.err;
    if (typeof values[1] === 'string') values[1] = redactor.text(values[1]);
    else if (values[1] === undefined && fields.msg === undefined && hasMessage(error))
      values[1] = redactor.error(error).message;
  }
  for (let index = rest; index < values.length; index++) {
    const value = values[index];
    values[index] = typeof value === 'string' ? redactor.text(value) : redactor.json(value);
  }
  return method.apply(this, values as Parameters<LogFn>);
}

function hasMessage(error: unknown): boolean {
  return (
    error !== null && typeof error === 'object' && typeof (error as Error).message === 'string'
  );
}
