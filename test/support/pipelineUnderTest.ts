import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { errorBodySchema, type ErrorBody } from '../../contracts/http/errorBody.js';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../contracts/partners/partnerProfile.js';
import { compileSchema } from '../../contracts/schemaValidator.js';
import { signStandardWebhooks } from '../../contracts/signatures/standardWebhooks.js';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { signXSignature } from '../../contracts/signatures/xSignature.js';
import type { OrderEventType } from '../../contracts/webhooks/orderEvent.js';
import { FakeClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { projectPath } from '../../lib/projectPaths.js';
import { createPipeline, type Pipeline, type PipelineOptions } from '../../pipeline/app.js';
import { correlation } from '../../pipeline/http/correlation.js';
import { resolvePartnerSecrets } from '../../pipeline/partnerSecrets.js';
import type { Store } from '../../pipeline/store/store.js';
import { openTestStore, type Engine, type TestStore } from './stores.js';

/** The instant every pipeline under test starts at (its FakeClock moves only when told to). */
export const START_MS = Date.UTC(2026, 0, 15, 12, 0, 0);

export const WEBHOOK_PARTNER = 'p_001';

export async function loadTestProfiles(): Promise<Map<string, PartnerProfile>> {
  return loadPartnerProfiles(projectPath('partners'));
}

/** The order as p_001 sends it, in its field names (see its field_mapping). */
export interface PartnerOrder {
  OrderNumber: string;
  TotalGross: unknown;
  CurrencyCode: string;
  LastModified: string;
  [field: string]: unknown;
}

export interface PartnerEvent {
  event_id: string;
  type: OrderEventType;
  occurred_at: string;
  data: { order: PartnerOrder };
}

export function orderEvent(input: {
  eventId: string;
  type?: OrderEventType;
  orderId: string;
  total?: unknown;
  currency?: string;
  lastModified: string;
  occurredAt?: string;
}): PartnerEvent {
  return {
    event_id: input.eventId,
    type: input.type ?? 'order.created',
    occurred_at: input.occurredAt ?? input.lastModified,
    data: {
      order: {
        OrderNumber: input.orderId,
        TotalGross: input.total ?? 1000,
        CurrencyCode: input.currency ?? 'EUR',
        LastModified: input.lastModified,
      },
    },
  };
}

export function xSignatureHeaders(
  secret: string | string[],
  timestampS: number,
  body: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-signature': signXSignature(secret, timestampS, body),
  };
}

export function standardWebhooksHeaders(
  secret: string | string[],
  messageId: string,
  timestampS: number,
  body: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': signStandardWebhooks(secret, messageId, timestampS, body),
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

const validateErrorBody = compileSchema<ErrorBody>(errorBodySchema);

/** Asserts (by throwing) that `body` is the contract's error body, and returns it typed. */
export function asErrorBody(body: unknown): ErrorBody {
  if (!validateErrorBody(body)) {
    throw new Error(
      `not an error body (${JSON.stringify(validateErrorBody.errors)}): ${JSON.stringify(body)}`,
    );
  }
  return body;
}

export interface PipelineUnderTest {
  url: string;
  engine: Engine;
  clock: FakeClock;
  /** The partner's current webhook secret (p_001). */
  secret: string;
  profiles: Map<string, PartnerProfile>;
  store: Store;
  testStore: TestStore;
  pipeline: Pipeline;
  server: Server;
  nowS(): number;
  request(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<HttpAnswer>;
  get(path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  post(path: string, body: string | Buffer, headers: Record<string, string>): Promise<HttpAnswer>;
  /** POSTs `event` to p_001's inbox signed with X-Signature at the clock's now. */
  deliver(event: PartnerEvent | string, headers?: Record<string, string>): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface PipelineUnderTestOptions {
  profiles?: Map<string, PartnerProfile>;
  maxBodyBytes?: number;
  opsToken?: string;
  inboxBatch?: PipelineOptions['inboxBatch'];
  inboxPolicy?: PipelineOptions['inboxPolicy'];
  redaction?: PipelineOptions['redaction'];
  /** Serve from this (migrated) store instead of a fresh one; it is left open on close. */
  testStore?: TestStore;
  /** The p_001 secret to use instead of a fresh one. */
  secret?: string;
  /** Hands the pipeline a wrapped store (e.g. `yieldingStore`); the test helpers use the plain one. */
  wrapStore?: (store: Store) => Store;
  /** Partner API clients (resolveApiClients); none when absent. */
  apiClients?: PipelineOptions['apiClients'];
  /** Routes served in front of the pipeline (e.g. a /v1 route guarded by `pipeline.apiAuth`). */
  routesBefore?: (pipeline: Pipeline) => RequestHandler;
  /** Where the pipeline logs; silent when absent. */
  logger?: PipelineOptions['logger'];
}

/**
 * The pipeline as a partner sees it: createPipeline over a fresh migrated store, a FakeClock, a
 * freshly generated p_001 secret, listening on an ephemeral port of 127.0.0.1.
 */
export async function startPipelineUnderTest(
  engine: Engine,
  options: PipelineUnderTestOptions = {},
): Promise<PipelineUnderTest> {
  const profiles = options.profiles ?? (await loadTestProfiles());
  const secret = options.secret ?? generateWebhookSecret();
  const secrets = resolvePartnerSecrets(profiles, { B2B_P_001_WEBHOOK_SECRET: secret });
  const clock = new FakeClock(START_MS);
  const ownsStore = options.testStore === undefined;
  const testStore = options.testStore ?? (await openTestStore(engine));
  const pipeline = createPipeline({
    store: options.wrapStore ? options.wrapStore(testStore.store) : testStore.store,
    profiles,
    secrets,
    logger: options.logger ?? silentLogger(),
    clock,
    maxBodyBytes: options.maxBodyBytes,
    opsToken: options.opsToken,
    inboxBatch: options.inboxBatch,
    inboxPolicy: options.inboxPolicy,
    redaction: options.redaction,
    apiClients: options.apiClients,
  });
  const server = createServer(
    options.routesBefore
      ? express().use(correlation, options.routesBefore(pipeline), pipeline.app)
      : pipeline.app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request: PipelineUnderTest['request'] = async (method, path, init = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const nowS = () => Math.floor(clock.now() / 1000);

  return {
    url,
    engine,
    clock,
    secret,
    profiles,
    store: testStore.store,
    testStore,
    pipeline,
    server,
    nowS,
    request,
    get: (path, headers) => request('GET', path, { headers }),
    post: (path, body, headers) => request('POST', path, { headers, body }),
    deliver(event, headers = {}) {
      const body = typeof event === 'string' ? event : JSON.stringify(event);
      return request('POST', `/webhooks/${WEBHOOK_PARTNER}`, {
        headers: { ...xSignatureHeaders(secret, nowS(), body), ...headers },
        body,
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pipeline.inbox.idle();
      if (ownsStore) await testStore.dispose();
    },
  };
}

let counter = 0;

/** A short id no other test (or earlier run on the same database) uses. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** What GET /ops/… answers for one event, one order, one correlation id. */
export interface OpsView {
  inbox(eventId: string): Promise<Record<string, unknown>[]>;
  order(
    orderId: string,
    partnerId?: string,
  ): Promise<{ status: number; body: OrderView | undefined }>;
  deliveries(correlationId: string): Promise<Record<string, unknown>[]>;
  alerts(correlationId: string): Promise<Record<string, unknown>[]>;
}

export interface OrderView {
  partner_id: string;
  order_id: string;
  order: {
    status: string;
    total_amount: number;
    currency: string;
    updated_at: string;
    last_event_id: string;
    correlation_id: string;
  } | null;
  event_chain: { event_id: string; event_type: string; outcome: string; version_at: string }[];
}

export function opsView(sut: PipelineUnderTest, headers: Record<string, string> = {}): OpsView {
  const items = async (path: string) => {
    const answer = await sut.get(path, headers);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    return (answer.json as { items: Record<string, unknown>[] }).items;
  };
  return {
    inbox: (eventId) =>
      items(`/ops/inbox?partner_id=${WEBHOOK_PARTNER}&event_id=${encodeURIComponent(eventId)}`),
    async order(orderId, partnerId = WEBHOOK_PARTNER) {
      const answer = await sut.get(
        `/ops/orders/${partnerId}/${encodeURIComponent(orderId)}`,
        headers,
      );
      return {
        status: answer.status,
        body: answer.status === 200 ? (answer.json as OrderView) : undefined,
      };
    },
    deliveries: (correlationId) =>
      items(`/ops/deliveries?correlation_id=${encodeURIComponent(correlationId)}`),
    alerts: (correlationId) =>
      items(`/ops/alerts?correlation_id=${encodeURIComponent(correlationId)}`),
  };
}
