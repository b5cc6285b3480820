import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OracleDocument } from '../../../contracts/scenarios/scenario.js';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { PipelineLog } from '../../../harness/sut/pipelineLog.js';
import { correlationIdOf, exchangesOf, type OracleBench } from '../../support/oracleBench.js';

/** log.recorded, shown to pass and to fail (run by oracleKinds.test.ts). */
export function logRecordedCases(bench: () => OracleBench): void {
  describe('log.recorded', () => {
    // The in-process pipeline logs nowhere; the oracle gets a PipelineLog fed the lines the
    // bundled pipeline would print, so what is in the log is exactly what the test says.

    let log: PipelineLog;
    let context: ScenarioContext;

    beforeAll(async () => {
      log = new PipelineLog({ secrets: [] });
      context = await bench().play(
        [
          {
            id: 'storm',
            kind: 'webhook.send',
            title: 'The same event ten times at once',
            events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
            faults: [{ name: 'burst', count: 10 }],
          },
        ],
        { log },
      );
    });

    afterEach(() => {
      vi.useRealTimers();
    });

    /** Feeds a log one JSON line as pino writes it. */
    function logLine(correlationId: string, msg: string, into: PipelineLog = log): void {
      into.accept(
        JSON.stringify({ level: 30, partner_id: 'p_001', correlation_id: correlationId, msg }),
      );
    }

    const first = (): string => correlationIdOf(context, 'storm', 0);
    const tenth = (): string => correlationIdOf(context, 'storm', 9);

    it('is skipped, and says why, when the SUT is remote and its log is not ours', async () => {
      const remote: ScenarioContext = { ...context, sut: bench().sut };
      const check = await bench().judge(
        { kind: 'log.recorded', step: 'storm', message: 'webhook event processed' },
        remote,
      );
      expect(check).toMatchObject({
        verdict: 'skipped',
        expected: 'webhook event processed',
        message: 'the pipeline log of a remote SUT is not available',
      });
    });

    it('passes when each selected delivery logged a line containing the text', async () => {
      logLine(first(), 'webhook event processed');
      const check = await bench().judge(
        { kind: 'log.recorded', step: 'storm', select: { nth: 0 }, message: 'event processed' },
        context,
      );
      expect(check).toMatchObject({ verdict: 'pass', message: '1 log line(s) found' });
      expect(check.actual).toEqual([expect.objectContaining({ correlation_id: first() })]);
    });

    it('passes when the line trails the answer and arrives while the oracle waits', async () => {
      const second = correlationIdOf(context, 'storm', 1);
      const judging = bench().judge(
        {
          kind: 'log.recorded',
          step: 'storm',
          select: { nth: 1 },
          message: 'webhook event replayed',
        },
        context,
      );
      logLine(second, 'webhook event replayed: already processed, nothing changed');
      expect(await judging).toMatchObject({ verdict: 'pass' });
    });

    it("fails after its grace period, listing only that delivery's lines (x.1, not x.10)", async () => {
      expect(tenth()).toBe(`${first()}0`);
      const own = new PipelineLog({ secrets: [] });
      logLine(first(), 'webhook delivery received', own);
      logLine(tenth(), 'webhook event replayed', own);
      const withOwnLog: ScenarioContext = { ...context, sut: { ...context.sut, log: own } };
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const oracle: OracleDocument = {
        kind: 'log.recorded',
        step: 'storm',
        select: { nth: 0 },
        message: 'webhook event replayed',
      };
      const judging = bench().judge(oracle, withOwnLog);
      await vi.advanceTimersByTimeAsync(4_999);
      let settled = false;
      void judging.then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const check = await judging;
      const record = exchangesOf(context, 'storm')[0];
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'webhook event replayed',
        actual: ['webhook delivery received'],
        message:
          'no log line containing "webhook event replayed" (lines seen: ["webhook delivery received"])',
      });
      expect(check.where).toContain(
        `delivery ${record?.correlation_id} (event ${record?.message_id}`,
      );
    });

    it('fails when the selection is empty', async () => {
      const check = await bench().judge(
        { kind: 'log.recorded', step: 'storm', select: { fault: 'tamperBody' }, message: 'x' },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        message: 'no delivery matched the selection',
      });
    });
  });
}
