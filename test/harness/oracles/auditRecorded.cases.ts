import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { correlationIdOf, unreachableInbox, type OracleBench } from '../../support/oracleBench.js';

/** audit.recorded, shown to pass and to fail (run by oracleKinds.test.ts). */
export function auditRecordedCases(bench: () => OracleBench): void {
  describe('audit.recorded', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'created',
          kind: 'webhook.send',
          title: 'Acme sends order.created',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
        },
        { id: 'replay', kind: 'webhook.redeliver', title: 'Acme replays it', of: 'created' },
        {
          id: 'reused',
          kind: 'webhook.send',
          title: 'The same event id with other content',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1', fields: { TotalGross: 1 } }],
        },
        {
          id: 'not_json',
          kind: 'webhook.sendRaw',
          title: 'A signed body that is not JSON',
          body: { text: '{"event_id": "trunc' },
        },
      ]);
    });

    it.each([
      ['created', { outcome: 'processed' }],
      ['replay', { outcome: 'replayed' }],
      ['reused', { outcome: 'conflict', error_code: 'event_conflict' }],
      ['not_json', { outcome: 'refused', error_code: 'malformed_json' }],
    ])('passes when step %s left one audit row %j', async (step, expected) => {
      const check = await bench().judge(
        { kind: 'audit.recorded', step, expect: expected },
        context,
      );
      expect(check).toMatchObject({ verdict: 'pass', message: '1 audit row(s) as expected' });
      expect(check.reads[0]?.path).toContain(
        `correlation_id=${encodeURIComponent(correlationIdOf(context, step))}`,
      );
    });

    it('fails on a wrong outcome, naming the delivery, expected and actual', async () => {
      const check = await bench().judge(
        { kind: 'audit.recorded', step: 'replay', expect: { outcome: 'processed' } },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'processed',
        actual: 'replayed',
        where: expect.stringContaining(`delivery ${correlationIdOf(context, 'replay')}`),
        message: 'audit outcome: expected "processed", got "replayed"',
      });
      expect(check.where).toMatch(/audit outcome$/);
    });

    it('fails on a wrong error code', async () => {
      const check = await bench().judge(
        {
          kind: 'audit.recorded',
          step: 'not_json',
          expect: { outcome: 'refused', error_code: 'invalid_event' },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'invalid_event',
        actual: 'malformed_json',
        message: 'audit error_code: expected "invalid_event", got "malformed_json"',
      });
      expect(check.where).toMatch(/audit error_code$/);
    });

    it('fails when the selection is empty', async () => {
      const check = await bench().judge(
        {
          kind: 'audit.recorded',
          step: 'created',
          select: { fault: 'duplicate' },
          expect: { outcome: 'processed' },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where: 'step "created" (with fault duplicate)',
        message: 'no delivery matched the selection',
      });
    });

    it('fails when a delivery left no audit row (it never reached the pipeline)', async () => {
      const lost = await bench().play(
        [
          {
            id: 'lost',
            kind: 'webhook.send',
            title: 'Sent to an inbox that is down',
            events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          },
        ],
        { target: await unreachableInbox() },
      );
      const check = await bench().judge(
        { kind: 'audit.recorded', step: 'lost', expect: { outcome: 'processed' } },
        lost,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 1,
        actual: 0,
        where: expect.stringContaining(correlationIdOf(lost, 'lost')),
        message: 'expected one audit row, found 0',
      });
    });
  });
}
