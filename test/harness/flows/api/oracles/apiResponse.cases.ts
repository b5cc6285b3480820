import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../../../harness/run/scenarioContext.js';
import type { ApiBench } from '../apiBench.js';

/** api.response, shown to pass and to fail (run by apiOracles.test.ts). */
export function apiResponseCases(bench: () => ApiBench): void {
  describe('api.response', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'create',
          kind: 'api.createOrders',
          title: 'Acme creates an order, and reuses its key for another body',
          orders: [{ ref: 'o1', total_amount: 2599 }],
          faults: [{ name: 'replayIdempotencyKey' }],
        },
        {
          id: 'burst',
          kind: 'api.request',
          title: 'Acme fires 101 export requests at once',
          operation: 'exportOrders',
          faults: [{ name: 'burstBeyondRateLimit' }],
        },
        {
          id: 'outside',
          kind: 'api.request',
          title: 'Acme asks for a token from 127.0.0.2',
          operation: 'issueAccessToken',
          from_address: '127.0.0.2',
        },
      ]);
    });

    it('passes for the answers each selection expects, counting them', async () => {
      const checks = await Promise.all(
        [
          {
            step: 'create',
            select: { operation: 'createOrder', without_fault: 'replayIdempotencyKey' },
            expect: { status: 201, outcome: 'processed', effect: 'applied' },
          },
          {
            step: 'create',
            select: { fault: 'replayIdempotencyKey' },
            expect: { status: 422, error_code: 'idempotency_key_reused' },
          },
          {
            step: 'burst',
            select: { operation: 'exportOrders' },
            expect: { status: [200, 429], rate_limit_headers: true },
            at_least: 101,
          },
          {
            step: 'burst',
            select: { status: 429 },
            expect: { error_code: 'rate_limited', retry_after: true },
            at_least: 51,
          },
          {
            step: 'outside',
            select: { last: true },
            expect: { status: 403, error_code: 'ip_not_allowed', rate_limit_headers: false },
          },
        ].map((oracle) => bench().judge({ kind: 'api.response', ...oracle }, context)),
      );
      expect(checks.map((check) => [check.verdict, check.message])).toEqual([
        ['pass', '1 request answered as expected, within the contract'],
        ['pass', '1 request answered as expected, within the contract'],
        ['pass', '101 requests answered as expected, within the contract'],
        // The order's two requests took 2 of the 50 in the window: 48 served, 53 refused.
        ['pass', '53 requests answered as expected, within the contract'],
        ['pass', '1 request answered as expected, within the contract'],
      ]);
      // The pipeline saw the call from where the partner made it.
      const refusal = await context.sut.ops.get<string>('/metrics');
      expect(String(refusal.body)).toMatch(
        /b2b_api_requests_total\{[^}]*code="ip_not_allowed"\} [1-9]/,
      );
    });

    it('fails on an unexpected status, naming the request, the status and the error code', async () => {
      const check = await bench().judge(
        {
          kind: 'api.response',
          step: 'create',
          select: { fault: 'replayIdempotencyKey' },
          expect: { status: [200, 201] },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: [200, 201],
        actual: 422,
        message: 'status: expected 200 or 201, got 422 idempotency_key_reused',
      });
      expect(check.where).toMatch(
        /^request .*\.create\.\d+ \(order ORD-.*, faults replayIdempotencyKey\), field status$/,
      );
    });

    it('fails on a missing header or another outcome', async () => {
      const [noRetryAfter, notReplayed] = await Promise.all([
        bench().judge(
          {
            kind: 'api.response',
            step: 'burst',
            select: { status: 200 },
            expect: { retry_after: true },
          },
          context,
        ),
        bench().judge(
          {
            kind: 'api.response',
            step: 'create',
            select: { operation: 'createOrder', nth: 0 },
            expect: { outcome: 'replayed' },
          },
          context,
        ),
      ]);
      expect(noRetryAfter).toMatchObject({
        verdict: 'fail',
        message: 'retry_after: expected true, got false',
      });
      expect(notReplayed).toMatchObject({
        verdict: 'fail',
        message: 'outcome: expected "replayed", got "processed"',
      });
    });

    it('fails when fewer calls than at_least were selected', async () => {
      const [some, none] = await Promise.all([
        bench().judge(
          {
            kind: 'api.response',
            step: 'create',
            select: { operation: 'createOrder' },
            expect: { status: [201, 422] },
            at_least: 3,
          },
          context,
        ),
        bench().judge(
          {
            kind: 'api.response',
            step: 'outside',
            select: { operation: 'exportOrders' },
            expect: { status: 200 },
          },
          context,
        ),
      ]);
      expect(some).toMatchObject({
        verdict: 'fail',
        expected: 'at least 3 requests',
        message: 'only 2 requests matched the selection',
      });
      expect(none).toMatchObject({
        verdict: 'fail',
        where: 'step "outside" (exportOrders)',
        message: 'no request matched the selection',
      });
    });

    it('fails on an answer that breaks the contract, whatever else matched', async () => {
      const broken = await bench().rewrite(context, (exchange) =>
        exchange.step === 'outside'
          ? {
              ...exchange,
              facts: {
                ...exchange.facts,
                contract_problems: 'POST /oauth/token → 403: header X-Correlation-Id is required',
              },
            }
          : exchange,
      );
      expect(
        await bench().judge(
          { kind: 'api.response', step: 'outside', expect: { status: 403 } },
          broken,
        ),
      ).toMatchObject({
        verdict: 'fail',
        message:
          'the answer breaks contracts/api/openapi.json: POST /oauth/token → 403: header X-Correlation-Id is required',
      });
    });
  });
}
