import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';
import { startLivePipeline, type LivePipeline } from '../support/livePipeline.js';

const OPS_TOKEN = 'sim-test-ops-token-0123456789';

let cli: CliScratch;
let pipeline: LivePipeline;
let target: string;

beforeAll(async () => {
  [cli, pipeline] = await Promise.all([
    createCliScratch('b2b-cli-sim-'),
    startLivePipeline({ opsToken: OPS_TOKEN }),
  ]);
  target = `${pipeline.url}/webhooks/p_001`;
});

afterAll(async () => {
  await Promise.all([pipeline?.close(), cli?.dispose()]);
});

/** `b2b sim webhook send --target <the pipeline> …`, with p_001's secret in the environment. */
function send(args: string[], secret: string | null = pipeline.secret) {
  const env = cli.env(secret === null ? {} : { B2B_P_001_WEBHOOK_SECRET: secret });
  return cli.run(['sim', 'webhook', 'send', '--target', target, ...args], { env });
}

/** `200 processed   evt-manual-…  -  manual-….1` → [answer, event id, faults, correlation id] */
function columns(line: string): string[] {
  const match = /^(.{28}) (\S+) {2}(\S+) {2}(\S+)$/.exec(line);
  if (!match) throw new Error(`not a send line: ${JSON.stringify(line)}`);
  return [(match[1] as string).trim(), match[2] as string, match[3] as string, match[4] as string];
}

describe.concurrent('b2b sim webhook send', () => {
  it('signs and sends one event: exit 0, one line "200 processed"', async ({ expect }) => {
    const { code, stdout, stderr } = await send([]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [answer, eventId, faults, correlationId] = columns(lines[0] as string);
    expect(answer).toBe('200 processed');
    expect(eventId).toMatch(/^evt-manual-/);
    expect(faults).toBe('-');
    expect(correlationId).toMatch(/^manual-\S+\.1$/);
  });

  it('--fault duplicate: processed, then the identical copy replayed', async ({ expect }) => {
    const { code, stdout } = await send(['--fault', 'duplicate']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map(columns);
    expect(lines.map(([answer, , faults]) => [answer, faults])).toEqual([
      ['200 processed', '-'],
      ['200 replayed', 'duplicate'],
    ]);
    expect(lines[0]?.[1]).toBe(lines[1]?.[1]);
  });

  it('--expect-status 200 exits 1 when the answer is another (a tampered body)', async ({
    expect,
  }) => {
    const { code, stdout } = await send(['--fault', 'tamperBody', '--expect-status', '200']);
    expect(code).toBe(1);
    expect(columns(stdout.trim()).slice(0, 1)).toEqual(['401 signature_invalid']);
  });

  it('--json prints the journal entry, signature redacted, and the event is in the inbox', async ({
    expect,
  }) => {
    const eventId = `evt-cli-json-${process.pid}`;
    const { code, stdout } = await send([
      '--json',
      '--scheme',
      'standard-webhooks',
      '--event-id',
      eventId,
      '--total',
      '4200',
    ]);
    expect(code).toBe(0);
    const entry = JSON.parse(stdout) as {
      event_id: string;
      request: { headers: Record<string, string>; body: string };
      response: { status: number };
    };
    expect(entry).toMatchObject({ event_id: eventId, response: { status: 200 } });
    expect(entry.request.headers['webhook-signature']).toBe('[redacted]');
    expect(stdout).not.toContain(pipeline.secret);
    const inbox = await fetch(`${pipeline.url}/ops/inbox/p_001/${eventId}`, {
      headers: { authorization: `Bearer ${OPS_TOKEN}` },
    });
    expect(inbox.status).toBe(200);
    expect(await inbox.json()).toMatchObject({ event_id: eventId, deliveries: { processed: 1 } });
  });

  it('--fault nope: exit 2, naming the fault and the known ones', async ({ expect }) => {
    const { code, stdout, stderr } = await send(['--fault', 'nope']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain("option '--fault <spec>' argument 'nope' is invalid");
    expect(stderr).toContain('"nope" is not a known name; known: duplicate');
  });

  it('--fault burst without its count: exit 2, naming the missing parameter', async ({
    expect,
  }) => {
    const { code, stderr } = await send(['--fault', 'burst']);
    expect(code).toBe(2);
    expect(stderr).toContain("argument 'burst' is invalid. /count is required");
  });

  it('without the secret in the environment: exit 2, naming the variable', async ({ expect }) => {
    const { code, stdout, stderr } = await send([], null);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      "b2b: set B2B_P_001_WEBHOOK_SECRET to the partner's webhook secret (whsec_…)\n",
    );
  });
});
