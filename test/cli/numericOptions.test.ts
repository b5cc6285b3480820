import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { integerOption } from '../../cli/options.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

// Every numeric option of every command refuses a value out of its range (or not a number at
// all) with one line naming the option, the value and the allowed range, exit 2, no stack trace,
// and nothing started: the process ends on its own.

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-cli-numbers-');
});

afterAll(async () => {
  await cli?.dispose();
});

describe('an integer option', () => {
  const parse = integerOption(1, 64);

  it.each([
    ['1', 1],
    ['64', 64],
    ['007', 7],
  ])('takes %j as %d', (typed, value) => {
    expect(parse(typed)).toBe(value);
  });

  it.each(['0', '65', '', ' 5', '5 ', '5.0', '1e1', '0x10', '+5', 'five', 'NaN', 'Infinity'])(
    'refuses %j, which Number() alone would take or misread',
    (typed) => {
      expect(() => parse(typed)).toThrow(
        new InvalidArgumentError('must be an integer from 1 to 64'),
      );
    },
  );

  it('reads a typed -0 as 0', () => {
    expect(Object.is(integerOption(0, 10)('-0'), 0)).toBe(true);
  });

  it('refuses integers beyond 2^53, which would silently change', () => {
    const any = integerOption(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    expect(any('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => any('9007199254740993')).toThrow(InvalidArgumentError);
  });
});

const ANY_PORT = ['--port', '0'];
const SIM = ['sim', 'webhook', 'send', '--target', 'http://127.0.0.1:9/webhooks/p_001'];

describe.concurrent('numeric options out of range', () => {
  it.for([
    // b2b certify
    [['certify', '--seed', '4294967296'], '--seed <n>', 'must be an integer from 0 to 4294967295'],
    [['certify', '--seed', '-1'], '--seed <n>', 'must be an integer from 0 to 4294967295'],
    // b2b pipeline serve
    [
      ['pipeline', 'serve', '--port', '65536'],
      '--port <port>',
      'must be an integer from 0 to 65535',
    ],
    [['pipeline', 'serve', '--port', ''], '--port <port>', 'must be an integer from 0 to 65535'],
    [
      ['pipeline', 'serve', ...ANY_PORT, '--workers', '0'],
      '--workers <n>',
      'must be an integer from 1 to 64',
    ],
    [
      ['pipeline', 'serve', ...ANY_PORT, '--workers', '65'],
      '--workers <n>',
      'must be an integer from 1 to 64',
    ],
    [
      ['pipeline', 'serve', ...ANY_PORT, '--max-body-bytes', 'abc'],
      '--max-body-bytes <n>',
      'must be an integer from 1 to 67108864 (64 MiB)',
    ],
    [
      ['pipeline', 'serve', ...ANY_PORT, '--max-body-bytes', '0'],
      '--max-body-bytes <n>',
      'must be an integer from 1 to 67108864 (64 MiB)',
    ],
    [
      ['pipeline', 'serve', ...ANY_PORT, '--max-body-bytes', '67108865'],
      '--max-body-bytes <n>',
      'must be an integer from 1 to 67108864 (64 MiB)',
    ],
    // b2b sim webhook send
    [
      [...SIM, '--total', '12.5'],
      '--total <minor units>',
      'must be an integer from -9007199254740991 to 9007199254740991',
    ],
    [
      [...SIM, '--expect-status', '600'],
      '--expect-status <code>',
      'must be an integer from 100 to 599',
    ],
    [
      [...SIM, '--expect-status', '99'],
      '--expect-status <code>',
      'must be an integer from 100 to 599',
    ],
    [[...SIM, '--seed', 'x'], '--seed <n>', 'must be an integer from 0 to 4294967295'],
    // A fault's numbers are checked by the scenario schema, as in a scenario file.
    [[...SIM, '--fault', 'burst:count=5000'], '--fault <spec>', '/count must be <= 1000'],
  ] as const)(
    'b2b %j: exit 2, one line naming %s and its range',
    async ([args, flags, rule], { expect }) => {
      const dataDir = join(cli.dir, `data-${args.join('_').replace(/\W+/g, '_')}`);
      const command = args[0] === 'pipeline' ? [...args, '--data-dir', dataDir] : [...args];
      // The partner secret is there, so the pipeline would start if the value were taken.
      const run = await cli.run(command, {
        env: cli.env({ B2B_P_001_WEBHOOK_SECRET: generateWebhookSecret() }),
        timeoutMs: 30_000,
      });
      const value = args[args.length - 1];
      expect(run).toEqual({
        code: 2,
        signal: null,
        stdout: '',
        stderr:
          `error: option '${flags}' argument '${value}' is invalid. ${rule}\n` +
          '(add --help for usage)\n',
      });
      expect(existsSync(dataDir)).toBe(false);
    },
  );
});
