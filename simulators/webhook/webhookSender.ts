import { Agent } from 'undici';
import type { SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import { STANDARD_WEBHOOKS_HEADERS } from '../../contracts/signatures/standardWebhooks.js';
import { X_SIGNATURE_HEADER } from '../../contracts/signatures/xSignature.js';
import { CORRELATION_HEADER } from '../../contracts/webhooks/orderEvent.js';
import { unixSeconds, type Clock } from '../../lib/clock.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import type { Journal, JournalEntry } from '../journal.js';
import { sendJournaled } from '../journaledRequest.js';
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

/**
 * A body that is not a well-formed event (malformed JSON, oversized, wrong content type), or a
 * delivery to another partner's path: what a confused or hostile sender does.
 */
export interface RawSendRequest {
  body: Buffer;
  /** Put in the signature (Standard Webhooks' webhook-id) when signed. */
  eventId?: string;
  /** Another path segment instead of this sender's partner id. */
  partnerPath?: string;
  contentType?: string;
  /** Signed with the partner secret (default), or sent with no signature at all. */
  signed?: boolean;
  scheme?: SignatureScheme;
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
    const records: DeliveryRecord[] = [];
    for await (const wave of this.waves(sendRequest)) records.push(...wave);
    return records;
  }

  /**
   * The same, one wave at a time: only the wave in flight is held, so a caller that files each
   * wave away (the harness streams them to the evidence) sends a storm in flat memory.
   */
  async *waves(sendRequest: SendRequest): AsyncGenerator<DeliveryRecord[]> {
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
    for (const wave of faulted) {
      yield await Promise.all(
        wave.map((spec) => this.#deliver(spec, sendRequest.correlationPrefix)),
      );
    }
  }

  async sendRaw(raw: RawSendRequest): Promise<DeliveryRecord> {
    const scheme = raw.scheme ?? 'x-signature';
    const spec: DeliverySpec = {
      eventId: raw.eventId ?? `raw-${this.#sent + 1}`,
      signedBody: raw.body,
      body: raw.body,
      secret: this.#options.secret,
      timestampS: unixSeconds(this.#options.clock),
      scheme,
      omitHeaders: raw.signed === false ? allSignatureHeaders(scheme) : [],
      faults: raw.signed === false ? ['unsigned'] : [],
    };
    const target = raw.partnerPath
      ? this.#options.target.replace(/[^/]+$/, encodeURIComponent(raw.partnerPath))
      : this.#options.target;
    return this.#deliver(spec, raw.correlationPrefix, { target, contentType: raw.contentType });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #deliver(
    spec: DeliverySpec,
    correlationPrefix: string,
    overrides: { target?: string; contentType?: string } = {},
  ): Promise<DeliveryRecord> {
    const correlationId = `${correlationPrefix}.${++this.#sent}`;
    const target = overrides.target ?? this.#options.target;
    const headers: Record<string, string> = {
      'content-type': overrides.contentType ?? 'application/json',
      'user-agent': 'b2b-webhook-simulator/1',
      [CORRELATION_HEADER]: correlationId,
      ...signedHeaders(spec),
    };
    const answer = await sendJournaled({
      journal: this.#options.journal,
      agent: this.#agent,
      clock: this.#options.clock,
      who: {
        simulator: 'webhook.sender',
        run_id: this.#options.runId,
        partner_id: this.#options.partnerId,
        correlation_id: correlationId,
        event_id: spec.eventId,
        faults: spec.faults,
      },
      method: 'POST',
      url: target,
      headers,
      body: spec.body,
    });
    const { entry, status } = answer;
    return {
      entry,
      eventId: spec.eventId,
      correlationId,
      faults: spec.faults,
      status,
      body: parseJson(answer.text),
    };
  }
}

function allSignatureHeaders(scheme: SignatureScheme): string[] {
  return scheme === 'x-signature'
    ? [X_SIGNATURE_HEADER]
    : [
        STANDARD_WEBHOOKS_HEADERS.id,
        STANDARD_WEBHOOKS_HEADERS.timestamp,
        STANDARD_WEBHOOKS_HEADERS.signature,
      ];
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
