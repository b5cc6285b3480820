import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import { CORRELATION_HEADER } from '../../contracts/webhooks/orderEvent.js';
import { isoUtc, unixSeconds, type Clock } from '../../lib/clock.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import type { Journal, JournalEntry } from '../journal.js';
import { signedHeaders, type DeliveryPlan, type DeliverySpec } from './deliveryPlan.js';
import { applyFaults, type FaultSpec } from './faults/index.js';
import { partnerEventBody, type PartnerEvent } from './partnerEvent.js';

export interface WebhookSenderOptions {
  runId: string;
  partnerId: string;
  /** The receiver's inbox URL, e.g. http://127.0.0.1:8080/webhooks/p_001. */
  target: string;
  /** The shared secret the partner signs with. */
  secret: string;
  /** The receiver's replay window (for faults that must land outside it). */
  windowS: number;
  clock: Clock;
  random: SeededRandom;
  journal: Journal;
  /** Per-request time limit; Standard Webhooks recommends 15–30 s. */
  timeoutMs?: number;
}

export interface SendRequest {
  events: PartnerEvent[];
  faults?: FaultSpec[];
  scheme?: SignatureScheme;
  /** Correlation ids are `<prefix>.<n>`; the harness uses run, scenario and step. */
  correlationPrefix: string;
}

/** One HTTP exchange, as the sender saw it. */
export interface DeliveryRecord {
  entry: JournalEntry;
  eventId: string;
  correlationId: string;
  faults: string[];
  status: number;
  /** The response body, parsed when it was JSON. */
  body: unknown;
}

/**
 * The fake partner that sends webhooks: it signs events the way a partner would and, on request,
 * misbehaves the way partners do (see faults/). Every exchange goes to the journal.
 */
export class WebhookSender {
  readonly #options: WebhookSenderOptions;
  readonly #agent: Agent;
  #sent = 0;

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
    const timeout = options.timeoutMs ?? 30_000;
    this.#agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connections: 64 });
  }

  /** Plans, faults, signs and sends; returns the exchanges in the order they were made. */
  async send(sendRequest: SendRequest): Promise<DeliveryRecord[]> {
    const nowS = unixSeconds(this.#options.clock);
    const scheme = sendRequest.scheme ?? 'x-signature';
    const plan: DeliveryPlan = sendRequest.events.map((event) => {
      const body = partnerEventBody(event);
      const spec: DeliverySpec = {
        eventId: event.eventId,
        signedBody: body,
        body,
        secret: this.#options.secret,
        timestampS: nowS,
        scheme,
        omitHeaders: [],
        faults: [],
      };
      return [spec];
    });
    const faulted = applyFaults(plan, sendRequest.faults ?? [], {
      nowS,
      windowS: this.#options.windowS,
      random: this.#options.random,
    });
    const records: DeliveryRecord[] = [];
    for (const wave of faulted) {
      const results = await Promise.all(wave.map((spec) => this.#deliver(spec, sendRequest.correlationPrefix)));
      records.push(...results);
    }
    return records;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #deliver(spec: DeliverySpec, correlationPrefix: string): Promise<DeliveryRecord> {
    const correlationId = `${correlationPrefix}.${++this.#sent}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'b2b-webhook-simulator/1',
      [CORRELATION_HEADER]: correlationId,
      ...signedHeaders(spec),
    };
    const started = performance.now();
    const at = isoUtc(this.#options.clock.now());
    let status = 0;
    let responseText = '';
    let responseHeaders: Record<string, string> = {};
    let failure: string | undefined;
    try {
      const response = await request(this.#options.target, {
        method: 'POST',
        headers,
        body: spec.body,
        dispatcher: this.#agent,
      });
      status = response.statusCode;
      responseText = await response.body.text();
      responseHeaders = Object.fromEntries(
        Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value ?? '')]),
      );
    } catch (error) {
      failure = (error as Error).message;
    }
    const entry = this.#options.journal.record({
      at,
      simulator: 'webhook.sender',
      run_id: this.#options.runId,
      partner_id: this.#options.partnerId,
      correlation_id: correlationId,
      event_id: spec.eventId,
      faults: spec.faults,
      request: { method: 'POST', url: this.#options.target, headers, body: spec.body.toString('utf8') },
      ...(failure === undefined ? { response: { status, headers: responseHeaders, body: responseText } } : { error: failure }),
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    });
    return { entry, eventId: spec.eventId, correlationId, faults: spec.faults, status, body: parseJson(responseText) };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
