import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { parsePrometheusText, sumMatching } from '../../harness/sut/metricsSnapshot.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';
import {
  dropPostgresSchema,
  forEachConcurrently,
  orderEventBody,
  postDelivery,
  servePipeline,
  type DeliveryAnswer,
  type ServedPipeline,
  type SignedDelivery,
} from '../support/servedPipeline.js';
import { openStore } from '../../pipeline/store/openStore.js';
import type { Store } from '../../pipeline/store/store.js';
import { ENGINES, uniqueSchemaName } from '../support/stores.js';

/**
 * Exactly-once when the pipeline process is killed outright (SIGKILL: no drain, no goodbye) in
 * the middle of a stream of signed deliveries, then started again on the same database: a
 * PostgreSQL schema, or a PGlite folder as `b2b certify` uses by default. The partner resends
 * what got no answer, and some of what did. Every acknowledged event must be in the inbox exactly
 * once, its effect applied once; a resend of one must answer `replayed`. (A killed process, not a
 * lost machine: what reached the kernel survives either way; power loss would be another test.)
 */

/** Orders in the stream, each created then updated twice: 3 000 deliveries on PostgreSQL. */
const ORDERS = { postgres: 1_000, pglite: 300 } as const;
const EVENTS_PER_ORDER = 3;
/** The kill comes right after this share of the stream is acknowledged: a point, not a time. */
const KILL_AFTER_SHARE = 0.4;
const CONCURRENCY = 32;
/** One acknowledged event in this many is resent after the restart. */
const ACKNOWLEDGED_SAMPLE = 10;

interface StreamEvent extends SignedDelivery {
  orderId: string;
  total: number;
  /** Its position in its order's history (the last is the order's state). */
  version: number;
}

/**
 * Every order's events, interleaved across orders so the stream mixes creations and updates,
 * versioned an hour back (inside the clock-skew bound, any order of arrival).
 */
function partnerStream(prefix: string, orders: number): StreamEvent[] {
  const base = Date.now() - 3_600_000;
  const events: StreamEvent[] = [];
  for (let version = 0; version < EVENTS_PER_ORDER; version++) {
    for (let order = 0; order < orders; order++) {
      const orderId = `ORD-${prefix}-${order}`;
      const eventId = `evt-${prefix}-${order}-${version}`;
      const total = 1_000 + order * 10 + version;
      const body = orderEventBody({
        eventId,
        type: version === 0 ? 'order.created' : 'order.updated',
        orderId,
        total,
        lastModified: new Date(base + version * 60_000),
      });
      events.push({ eventId, body, orderId, total, version });
    }
  }
  return events;
}

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-kill-mid-stream-');
});

afterAll(async () => {
  await cli?.dispose();
});

describe.each(ENGINES)(
  'the bundled pipeline on $name, killed with SIGKILL mid-stream',
  (engine) => {
    const schema = uniqueSchemaName();
    const dataDir = () => join(cli.dir, `pglite-${schema}`);
    const secret = generateWebhookSecret();
    const started: ServedPipeline[] = [];

    afterAll(async () => {
      for (const served of started) {
        served.child.kill('SIGKILL');
        await served.exited;
      }
      if (engine.databaseUrl) await dropPostgresSchema(engine.databaseUrl, schema);
    });

    /** The same database every time: a PostgreSQL schema of its own, or one PGlite folder. */
    const serve = async () => {
      const served = await servePipeline({
        cwd: cli.dir,
        env: cli.env({
          B2B_P_001_WEBHOOK_SECRET: secret,
          ...(engine.databaseUrl
            ? { DATABASE_URL: engine.databaseUrl, DATABASE_SCHEMA: schema }
            : {}),
        }),
        args: engine.databaseUrl ? [] : ['--data-dir', dataDir()],
      });
      started.push(served);
      return served;
    };

    /** The store the pipeline wrote, opened directly (PGlite: once no pipeline holds it). */
    const openWrittenStore = (): Promise<Store> =>
      openStore(
        engine.databaseUrl ? { databaseUrl: engine.databaseUrl, schema } : { dataDir: dataDir() },
      );

    it('keeps every acknowledged event exactly once and answers its resend replayed', async () => {
      const stream = partnerStream(schema, ORDERS[engine.name]);
      const killAfter = Math.round(stream.length * KILL_AFTER_SHARE);
      const acknowledged = new Map<string, DeliveryAnswer>();

      // The stream, until the pipeline dies under it.
      const first = await serve();
      let killed = false;
      await forEachConcurrently(stream, CONCURRENCY, async (event) => {
        if (killed) return; // the partner stops sending when the pipeline is gone
        let answer: DeliveryAnswer;
        try {
          answer = await postDelivery(first.url, secret, event);
        } catch {
          return; // no answer: the process died with this delivery in flight
        }
        acknowledged.set(event.eventId, answer);
        if (acknowledged.size === killAfter) {
          first.child.kill('SIGKILL');
          killed = true;
        }
      });
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const outcomes = new Set([...acknowledged.values()].map((a) => `${a.status} ${a.outcome}`));
      expect([...outcomes]).toEqual(['200 processed']);
      expect(acknowledged.size).toBeGreaterThanOrEqual(killAfter);
      expect(acknowledged.size).toBeLessThan(stream.length);

      // Started again on the same database; the partner resends.
      const second = await serve();
      const unacknowledged = stream.filter((event) => !acknowledged.has(event.eventId));
      const sample = stream.filter(
        (event, index) => acknowledged.has(event.eventId) && index % ACKNOWLEDGED_SAMPLE === 0,
      );
      const resent = new Map<string, DeliveryAnswer>();
      await forEachConcurrently([...unacknowledged, ...sample], CONCURRENCY, async (event) => {
        resent.set(event.eventId, await postDelivery(second.url, secret, event));
      });

      // A resend of an acknowledged event changes nothing.
      const sampleAnswers = sample.map((event) => resent.get(event.eventId));
      expect(sampleAnswers.filter((answer) => answer?.outcome !== 'replayed')).toEqual([]);
      expect(sample.length).toBeGreaterThan(20);
      // An unacknowledged one is processed now, or was committed just before the kill without
      // its answer getting out: at most the deliveries that were in flight.
      const late = unacknowledged.map((event) => resent.get(event.eventId) as DeliveryAnswer);
      expect(late.filter((answer) => answer.status !== 200)).toEqual([]);
      const committedUnanswered = late.filter((answer) => answer.outcome === 'replayed').length;
      expect(committedUnanswered).toBeLessThanOrEqual(CONCURRENCY);
      const processedNow = late.filter((answer) => answer.outcome === 'processed').length;
      expect(processedNow + committedUnanswered).toBe(unacknowledged.length);

      // As an operator sees it: the ops API holds each acknowledged event once, /metrics counts
      // the whole inbox and this process's own processing.
      for (const event of sample.slice(0, 20)) {
        const answer = await fetch(
          `${second.url}/ops/inbox?partner_id=p_001&event_id=${encodeURIComponent(event.eventId)}`,
        );
        expect(answer.status).toBe(200);
        expect(((await answer.json()) as { items: unknown[] }).items).toHaveLength(1);
      }
      const metrics = parsePrometheusText(await (await fetch(`${second.url}/metrics`)).text());
      expect(sumMatching(metrics, 'b2b_webhook_inbox_events', { partner_id: 'p_001' })).toBe(
        stream.length,
      );
      expect(
        sumMatching(metrics, 'b2b_webhook_deliveries_total', {
          partner_id: 'p_001',
          outcome: 'processed',
        }),
      ).toBe(processedNow);
      expect(await second.stop()).toEqual({ code: 0, signal: null });

      // In the store: every event once, each processed by one delivery, each order at its
      // newest state.
      const store = await openWrittenStore();
      try {
        const inbox = await store.query<{ event_id: string }>(
          "SELECT event_id FROM webhook_inbox WHERE partner_id = 'p_001'",
        );
        expect(inbox.map((row) => row.event_id).sort()).toEqual(
          stream.map((event) => event.eventId).sort(),
        );
        const processed = await store.query<{ event_id: string; deliveries: number }>(
          `SELECT event_id, count(*)::int AS deliveries FROM webhook_deliveries
            WHERE outcome = 'processed' GROUP BY event_id`,
        );
        expect(processed).toHaveLength(stream.length);
        expect(processed.filter((row) => row.deliveries !== 1)).toEqual([]);
        const chain = await store.query<{ events: number }>(
          "SELECT count(*)::int AS events FROM order_events WHERE partner_id = 'p_001'",
        );
        expect(chain[0]?.events).toBe(stream.length);
        const orders = await store.query<{ order_id: string; total_amount: number }>(
          "SELECT order_id, total_amount FROM orders WHERE partner_id = 'p_001'",
        );
        const newest = new Map(
          stream
            .filter((event) => event.version === EVENTS_PER_ORDER - 1)
            .map((event) => [event.orderId, event.total]),
        );
        expect(new Map(orders.map((row) => [row.order_id, Number(row.total_amount)]))).toEqual(
          newest,
        );
      } finally {
        await store.close();
      }
    }, 120_000);
  },
);
