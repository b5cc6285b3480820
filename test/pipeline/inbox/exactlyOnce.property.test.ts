import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../../contracts/signatures/webhookSecret.js';
import type { OrderEventType } from '../../../contracts/webhooks/orderEvent.js';
import { canonicalJson } from '../../../lib/canonicalJson.js';
import {
  opsView,
  orderEvent,
  standardWebhooksHeaders,
  startPipelineUnderTest,
  WEBHOOK_PARTNER,
  xSignatureHeaders,
  type OrderView,
  type PartnerEvent,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES, yieldingStore } from '../../support/stores.js';

/**
 * Exactly-once through the real HTTP route: whatever mix of good, duplicated, re-signed, forged,
 * late and conflicting deliveries a partner sends, in whatever order and concurrency, every event
 * delivered correctly at least once is processed exactly once, nothing else is, and each order
 * ends in the state of its newest event.
 */

const WINDOW_S = 600; // p_001's webhook.window_s
const BASE_MS = Date.UTC(2026, 0, 10);
/** Conflicting variants carry amounts no generated event has, and a later version. */
const CONFLICT_AMOUNT = 1_000_000;

type Scheme = 'x-signature' | 'standard-webhooks';

interface UniverseSpec {
  orders: { type: OrderEventType; minute: number; total: number }[][];
}

type Action =
  /** A fresh, correctly signed delivery. */
  | { kind: 'deliver'; event: number; scheme: Scheme }
  /** The same bytes and headers as the last correct request for the event (may have aged out). */
  | { kind: 'duplicate'; event: number }
  /** The same body signed again later, with a timestamp still inside the window. */
  | { kind: 'resign'; event: number; scheme: Scheme; ageS: number }
  /** Signed body ≠ sent body. */
  | { kind: 'tampered'; event: number; scheme: Scheme }
  | { kind: 'wrongSecret'; event: number; scheme: Scheme }
  | { kind: 'expired'; event: number; scheme: Scheme; extraS: number }
  /** A correct delivery, then the same event_id with another payload, correctly signed. */
  | { kind: 'conflict'; event: number; scheme: Scheme };

interface Step {
  advanceS: number;
  actions: Action[];
}

const schemeArb = fc.constantFrom<Scheme>('x-signature', 'standard-webhooks');
const eventRef = fc.nat({ max: 8 });

const universeArb: fc.Arbitrary<UniverseSpec> = fc.record({
  orders: fc.array(
    fc.uniqueArray(
      fc.record({
        type: fc.constantFrom<OrderEventType>('order.created', 'order.updated', 'order.cancelled'),
        minute: fc.integer({ min: 0, max: 240 }),
        total: fc.integer({ min: 1, max: 99_999 }),
      }),
      { minLength: 1, maxLength: 3, selector: (event) => event.minute },
    ),
    { minLength: 1, maxLength: 3 },
  ),
});

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      event: eventRef,
      scheme: schemeArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), event: eventRef }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resign' as const),
      event: eventRef,
      scheme: schemeArb,
      ageS: fc.integer({ min: 0, max: WINDOW_S }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tampered' as const),
      event: eventRef,
      scheme: schemeArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wrongSecret' as const),
      event: eventRef,
      scheme: schemeArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('expired' as const),
      event: eventRef,
      scheme: schemeArb,
      extraS: fc.integer({ min: 1, max: 3 * WINDOW_S }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('conflict' as const),
      event: eventRef,
      scheme: schemeArb,
    }),
  },
);

const stepsArb: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    advanceS: fc.integer({ min: 0, max: 300 }),
    actions: fc.array(actionArb, { minLength: 1, maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 6 },
);

interface UniverseEvent {
  event: PartnerEvent;
  orderId: string;
  body: string;
  sha256: string;
  lastModifiedMs: number;
  conflictBody: string;
}

interface SentRequest {
  correlationId: string;
  eventIndex: number;
  expected: { status: 200 | 401 | 409; code?: string };
  status: number;
  json: unknown;
}

interface EventTally {
  validOriginal: number;
  conflicts: number;
  lastCorrect?: { body: string; headers: Record<string, string> };
}

function sha256(text: string): string {
  return createHash('sha256')
    .update(canonicalJson(JSON.parse(text)))
    .digest('hex');
}

function buildUniverse(spec: UniverseSpec, ns: string): UniverseEvent[] {
  return spec.orders.flatMap((events, orderIndex) =>
    events.map((generated, eventIndex) => {
      const orderId = `${ns}-O${orderIndex}`;
      const lastModifiedMs = BASE_MS + generated.minute * 60_000;
      const event = orderEvent({
        eventId: `${ns}-o${orderIndex}-e${eventIndex}`,
        type: generated.type,
        orderId,
        total: generated.total,
        lastModified: new Date(lastModifiedMs).toISOString(),
      });
      const conflicting: PartnerEvent = {
        ...event,
        data: {
          order: {
            ...event.data.order,
            TotalGross: CONFLICT_AMOUNT + generated.total,
            LastModified: new Date(lastModifiedMs + 86_400_000).toISOString(),
          },
        },
      };
      const body = JSON.stringify(event);
      return {
        event,
        orderId,
        body,
        sha256: sha256(body),
        lastModifiedMs,
        conflictBody: JSON.stringify(conflicting),
      };
    }),
  );
}

describe.each(ENGINES)('exactly-once inbox over HTTP on $name (property)', (engine) => {
  let sut: PipelineUnderTest;
  const wrongSecret = generateWebhookSecret();
  let runCounter = 0;
  const fileTag = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    // Each inbox transaction yields once before it starts, and at most two run at once (one on
    // PGlite): the deliveries of a step then meet in one batch, and on PostgreSQL also in
    // concurrent transactions.
    sut = await startPipelineUnderTest(engine, {
      wrapStore: yieldingStore,
      inboxBatch: { maxConcurrentFlushes: engine.name === 'pglite' ? 1 : 2 },
    });
  });
  afterAll(async () => {
    await sut?.close();
  });

  const sign = (
    scheme: Scheme,
    secret: string,
    eventId: string,
    timestampS: number,
    body: string,
  ) =>
    scheme === 'x-signature'
      ? xSignatureHeaders(secret, timestampS, body)
      : standardWebhooksHeaders(secret, eventId, timestampS, body);

  async function run(spec: UniverseSpec, steps: Step[]): Promise<void> {
    runCounter += 1;
    const ns = `pr${fileTag}${runCounter}`;
    const universe = buildUniverse(spec, ns);
    const tallies: EventTally[] = universe.map(() => ({ validOriginal: 0, conflicts: 0 }));
    const sent: SentRequest[] = [];
    let requestCounter = 0;

    /** Sends one request and records what the partner got back and what it should have got. */
    const send = async (
      eventIndex: number,
      body: string,
      headers: Record<string, string>,
      judge: { signatureOk: boolean; signedAtS: number; conflict: boolean },
    ) => {
      const age = sut.nowS() - judge.signedAtS;
      const inWindow = Math.abs(age) <= WINDOW_S;
      const expected: SentRequest['expected'] = !judge.signatureOk
        ? { status: 401, code: 'signature_invalid' }
        : !inWindow
          ? { status: 401, code: age > 0 ? 'signature_expired' : 'signature_from_future' }
          : judge.conflict
            ? { status: 409, code: 'event_conflict' }
            : { status: 200 };
      const tally = tallies[eventIndex] as EventTally;
      if (expected.status === 200) tally.validOriginal += 1;
      if (expected.status === 409) tally.conflicts += 1;
      const correlationId = `${ns}-r${requestCounter++}`;
      const answer = await sut.post(`/webhooks/${WEBHOOK_PARTNER}`, body, {
        ...headers,
        'x-correlation-id': correlationId,
      });
      sent.push({ correlationId, eventIndex, expected, status: answer.status, json: answer.json });
      return answer.status;
    };

    const correct = async (index: number, scheme: Scheme, signedAtS: number) => {
      const target = universe[index] as UniverseEvent;
      const headers = sign(scheme, sut.secret, target.event.event_id, signedAtS, target.body);
      (tallies[index] as EventTally).lastCorrect = { body: target.body, headers };
      return send(index, target.body, headers, { signatureOk: true, signedAtS, conflict: false });
    };

    const perform = async (action: Action): Promise<void> => {
      const index = action.event % universe.length;
      const target = universe[index] as UniverseEvent;
      const id = target.event.event_id;
      const now = sut.nowS();
      switch (action.kind) {
        case 'deliver':
          await correct(index, action.scheme, now);
          return;
        case 'resign':
          await correct(index, action.scheme, now - action.ageS);
          return;
        case 'duplicate': {
          const last = (tallies[index] as EventTally).lastCorrect;
          if (!last) {
            await correct(index, 'x-signature', now);
            return;
          }
          const signedAtS = Number(
            /t=(\d+)/.exec(last.headers['x-signature'] ?? '')?.[1] ??
              last.headers['webhook-timestamp'],
          );
          await send(index, last.body, last.headers, {
            signatureOk: true,
            signedAtS,
            conflict: false,
          });
          return;
        }
        case 'tampered': {
          const headers = sign(action.scheme, sut.secret, id, now, target.body);
          const forged = target.body.replace(
            `"TotalGross":${target.event.data.order.TotalGross as number}`,
            `"TotalGross":${CONFLICT_AMOUNT}`,
          );
          expect(forged).not.toBe(target.body);
          await send(index, forged, headers, {
            signatureOk: false,
            signedAtS: now,
            conflict: false,
          });
          return;
        }
        case 'wrongSecret':
          await send(index, target.body, sign(action.scheme, wrongSecret, id, now, target.body), {
            signatureOk: false,
            signedAtS: now,
            conflict: false,
          });
          return;
        case 'expired': {
          const signedAtS = now - WINDOW_S - action.extraS;
          await send(
            index,
            target.body,
            sign(action.scheme, sut.secret, id, signedAtS, target.body),
            {
              signatureOk: true,
              signedAtS,
              conflict: false,
            },
          );
          return;
        }
        case 'conflict': {
          // The original is acknowledged first, so the conflicting payload is always the second.
          expect(await correct(index, action.scheme, now)).toBe(200);
          await send(
            index,
            target.conflictBody,
            sign(action.scheme, sut.secret, id, now, target.conflictBody),
            {
              signatureOk: true,
              signedAtS: now,
              conflict: true,
            },
          );
          return;
        }
      }
    };

    for (const step of steps) {
      sut.clock.advance(step.advanceS * 1000);
      await Promise.all(step.actions.map(perform));
    }

    // Every answer is the one the partner should get.
    for (const request of sent) {
      expect(
        {
          status: request.status,
          code: (request.json as { error?: { code?: string } }).error?.code,
        },
        request.correlationId,
      ).toEqual({
        status: request.expected.status,
        code: request.expected.code,
      });
    }
    const processedAnswers = universe.map(
      (_, index) =>
        sent.filter(
          (request) =>
            request.eventIndex === index &&
            (request.json as { status?: string }).status === 'processed',
        ).length,
    );

    const ops = opsView(sut);
    const [audits, inboxes, orders] = await Promise.all([
      Promise.all(sent.map((request) => ops.deliveries(request.correlationId))),
      Promise.all(universe.map((target) => ops.inbox(target.event.event_id))),
      Promise.all(
        [...new Set(universe.map((target) => target.orderId))].map((orderId) => ops.order(orderId)),
      ),
    ]);

    // (d) One audit row per request sent, saying what the answer said.
    expect(audits.flat()).toHaveLength(sent.length);
    sent.forEach((request, index) => {
      const outcome =
        request.status === 200
          ? (request.json as { status: string }).status
          : request.status === 409
            ? 'conflict'
            : 'refused';
      expect(audits[index]).toEqual([
        expect.objectContaining({
          outcome,
          http_status: request.status,
          error_code: request.expected.code ?? null,
        }),
      ]);
    });

    const chains = new Map<string, OrderView | undefined>(
      [...new Set(universe.map((target) => target.orderId))].map((orderId, index) => [
        orderId,
        orders[index]?.body,
      ]),
    );
    const chainCount = (eventId: string) =>
      [...chains.values()]
        .flatMap((view) => view?.event_chain ?? [])
        .filter((entry) => entry.event_id === eventId).length;

    universe.forEach((target, index) => {
      const tally = tallies[index] as EventTally;
      const inbox = inboxes[index] as Record<string, unknown>[];
      if (tally.validOriginal > 0) {
        // (a) Exactly one inbox record and one event-chain entry; (d) processed exactly once.
        expect(inbox).toEqual([
          expect.objectContaining({
            payload_sha256: target.sha256,
            deliveries: {
              processed: 1,
              replayed: tally.validOriginal - 1,
              conflict: tally.conflicts,
              refused: 0,
            },
          }),
        ]);
        expect(chainCount(target.event.event_id)).toBe(1);
        expect(processedAnswers[index]).toBe(1);
      } else {
        // (b) Never delivered correctly: no trace outside the audit.
        expect(inbox).toEqual([]);
        expect(chainCount(target.event.event_id)).toBe(0);
        expect(processedAnswers[index]).toBe(0);
      }
    });

    // (c) Each order ends in the state of its newest correctly delivered event; (e) no conflicting
    // payload ever reached it.
    for (const [orderId, view] of chains) {
      const delivered = universe.filter(
        (target, index) =>
          target.orderId === orderId && (tallies[index] as EventTally).validOriginal > 0,
      );
      if (delivered.length === 0) {
        expect(view).toBeUndefined();
        continue;
      }
      const newest = delivered.reduce((best, candidate) =>
        candidate.lastModifiedMs > best.lastModifiedMs ||
        (candidate.lastModifiedMs === best.lastModifiedMs &&
          candidate.event.event_id > best.event.event_id)
          ? candidate
          : best,
      );
      expect(view?.order).toMatchObject({
        status: newest.event.type === 'order.cancelled' ? 'cancelled' : 'open',
        total_amount: newest.event.data.order.TotalGross,
        updated_at: new Date(newest.lastModifiedMs).toISOString(),
        last_event_id: newest.event.event_id,
      });
      expect(view?.order?.total_amount).toBeLessThan(CONFLICT_AMOUNT);
      expect(view?.event_chain.map((entry) => entry.event_id).sort()).toEqual(
        delivered.map((target) => target.event.event_id).sort(),
      );
      expect(
        view?.event_chain.find((entry) => entry.event_id === newest.event.event_id)?.outcome,
      ).toBe('applied');
    }
  }

  it('processes every correctly delivered event exactly once, whatever the delivery stream', async () => {
    await fc.assert(
      fc.asyncProperty(universeArb, stepsArb, (spec, steps) => run(spec, steps)),
      { numRuns: 40 },
    );
    // The streams did exercise group commit: some batch held more than one delivery.
    const metrics = (await sut.get('/metrics')).text;
    const batchSum = Number(/^b2b_inbox_batch_size_sum (\d+)$/m.exec(metrics)?.[1]);
    const batchCount = Number(/^b2b_inbox_batch_size_count (\d+)$/m.exec(metrics)?.[1]);
    expect(batchSum).toBeGreaterThan(batchCount);
  }, 120_000);
});
