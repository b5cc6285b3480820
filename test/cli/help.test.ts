import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-cli-help-');
});

afterAll(async () => {
  await cli?.dispose();
});

describe.concurrent('--help', () => {
  it.for([
    [[], 'Usage: b2b [options] [command]'],
    [['certify'], 'Usage: b2b certify [options]'],
    [['scenarios'], 'Usage: b2b scenarios [options] [command]'],
    [['pipeline'], 'Usage: b2b pipeline [options] [command]'],
    [['sim'], 'Usage: b2b sim [options] [command]'],
    [['sim', 'webhook'], 'Usage: b2b sim webhook [options] [command]'],
    [['evidence'], 'Usage: b2b evidence [options] [command]'],
    [['scenarios', 'list'], 'Usage: b2b scenarios list [options]'],
    [['scenarios', 'validate'], 'Usage: b2b scenarios validate [options] [files...]'],
    [['pipeline', 'serve'], 'Usage: b2b pipeline serve [options]'],
    [['sim', 'webhook', 'send'], 'Usage: b2b sim webhook send [options]'],
    [['evidence', 'verify'], 'Usage: b2b evidence verify [options] <dir>'],
  ] as const)(
    'b2b %j --help exits 0 with its usage on stdout',
    async ([command, usage], { expect }) => {
      const { code, stdout, stderr } = await cli.run([...command, '--help']);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout.startsWith(usage)).toBe(true);
    },
  );
});
