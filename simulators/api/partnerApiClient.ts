import { Agent } from 'undici';
import { apiAnswerProblems } from '../../contracts/api/apiResponseCheck.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  type ApiOrderPage,
  type ApiOrderReceipt,
  type ApiOrderRequest,
} from '../../contracts/api/partnerApi.js';
import { CORRELATION_HEADER } from '../../contracts/webhooks/orderEvent.js';
import type { Clock } from '../../lib/clock.js';
import { REDACTED } from '../../lib/redact.js';
import { seededRandom, type SeededRandom } from '../../lib/seededRandom.js';
import type { Journal } from '../journal.js';
import { sendJournaled } from '../journaledRequest.js';
import { AccessTokens, type TokenAnswer, type TokenFetch } from './accessTokens.js';
import type { ApiCall, ApiCallPlan } from './apiCall.js';
import {
  errorCodeOf,
  isSuccess,
  type ApiExchange,
  type ApiOutcome,
  type TokenOperation,
} from './apiExchange.js';
import { applyApiFaults, type ApiFaultSpec } from './faults/index.js';
import { forgeAccessToken } from './forgedAccessToken.js';
import type { Sleeper } from './sleeper.js';

export interface PartnerApiClientOptions {
  runId: string;
  partnerId: string;
  /** The pipeline's base URL, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Client authentication at the token endpoint: HTTP Basic (default) or form fields. */
  clientAuth?: 'basic' | 'form';
  /** The scope to ask for; absent: none named, every granted scope. */
  scope?: string;
  clock: Clock;
  sleeper: Sleeper;
  journal: Journal;
  /** For faults that choose at random; a fixed seed when absent. */
  random?: SeededRandom;
  /** The partner profile's `api.rate_limit`, for faults that aim beyond it. */
  rateLimit?: { requests: number; perS: number };
  /** Renew a token this long before it expires (default 30 s, at most half its lifetime). */
  refreshBeforeS?: number;
  /** How many 429s one call waits out before the 429 is its answer (default 5). */
  maxRateLimitRetries?: number;
  /** Per-request time limit (default 30 s). */
  timeoutMs?: number;
}

/** `GET /v1/orders` query; `changedSince` is UTC ISO-8601 with Z. */
export interface ExportQuery {
  changedSince?: string;
  cursor?: string;
  limit?: number;
}

export interface CallOptions {
  faults?: ApiFaultSpec[];
  /** Correlation ids are `<prefix>.<n>`; default `<run id>.api`. */
  correlationPrefix?: string;
}

export interface CreateOrderOptions extends CallOptions {
  /** Default: a new key, `<run id>.<order id>.<n>`. Give the same one to retry an order. */
  idempotencyKey?: string;
}

const USER_AGENT = 'b2b-api-client-simulator/1';

/**
 * The partner as a client of our partner API (p_001 Acme pulling the order export and creating
 * orders). Not the partner's own API, which the pipeline calls: that is a server, elsewhere.
 *
 *   operation ─> plan ─faults─> waves ─> per call: token ─> HTTP ─> journal ─> ApiExchange
 *                                         │                 │
 *                      AccessTokens: cached per scope,      429: wait Retry-After (Sleeper), again
 *                      renewed before expiry                401 token_expired: new token, once
 *                      POST /oauth/token (Basic or form)
 *
 * Everything it keeps (tokens, counters) is this instance's: one client per run and partner, so
 * many runs share a process without seeing each other. Every exchange goes to the journal, whose
 * redactor masks the Authorization header and the token answer's access_token; the form body's
 * client_secret is masked here before it is handed over.
 */
export class PartnerApiClient {
  readonly sleeper: Sleeper;
  readonly #options: PartnerApiClientOptions;
  readonly #agent: Agent;
  readonly #tokens: AccessTokens;
  readonly #random: SeededRandom;
  #requests = 0;
  #keys = 0;

  constructor(options: PartnerApiClientOptions) {
    this.#options = options;
    this.sleeper = options.sleeper;
    this.#random = options.random ?? seededRandom(1);
    const timeout = options.timeoutMs ?? 30_000;
    this.#agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connections: 64 });
    this.#tokens = new AccessTokens({
      clock: options.clock,
      refreshBeforeS: options.refreshBeforeS ?? 30,
      fetch: (scope, correlationPrefix) => this.#fetchToken(scope, correlationPrefix),
    });
  }

  get partnerId(): string {
    return this.#options.partnerId;
  }

  get runId(): string {
    return this.#options.runId;
  }

  /**
   * A new token from the token endpoint, whatever the client holds (connectivity checks). The
   * answer comes back as journaled, its access_token masked: the token never leaves the client.
   */
  async requestToken(
    options: { scope?: string; correlationPrefix?: string } = {},
  ): Promise<ApiOutcome<TokenAnswer>> {
    const fetched = await this.#fetchToken(
      options.scope ?? this.#options.scope,
      options.correlationPrefix ?? this.#defaultPrefix(),
    );
    return {
      exchanges: [fetched.exchange],
      answer: fetched.exchange,
      ...(fetched.token ? { value: fetched.exchange.body as TokenAnswer } : {}),
    };
  }

  /** One page of the order export. */
  exportOrders(query: ExportQuery, options: CallOptions = {}): Promise<ApiOutcome<ApiOrderPage>> {
    const params: Record<string, string> = {};
    if (query.changedSince !== undefined) params.changed_since = query.changedSince;
    if (query.cursor !== undefined) params.cursor = query.cursor;
    if (query.limit !== undefined) params.limit = String(query.limit);
    return this.#run<ApiOrderPage>(
      {
        operation: 'exportOrders',
        method: 'GET',
        path: '/v1/orders',
        query: params,
        headers: {},
        credential: 'current',
        retryWhenLimited: true,
        faults: [],
      },
      options,
    );
  }

  /** `POST /v1/orders` with an Idempotency-Key; retried on 429 with the same key. */
  createOrder(
    order: ApiOrderRequest,
    options: CreateOrderOptions = {},
  ): Promise<ApiOutcome<ApiOrderReceipt>> {
    // Visible ASCII, at most 255 characters (the contract's rule), whatever the order id holds.
    const key =
      options.idempotencyKey ??
      `${this.#options.runId}.${order.order_id}`.replace(/[^\x21-\x7e]/g, '_').slice(0, 240) +
        `.${++this.#keys}`;
    return this.#run<ApiOrderReceipt>(
      {
        operation: 'createOrder',
        method: 'POST',
        path: '/v1/orders',
        query: {},
        headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: key },
        body: JSON.stringify(order),
        credential: 'current',
        retryWhenLimited: true,
        faults: [],
      },
      options,
    );
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Plans one call, lets the faults rewrite the plan, and sends it wave by wave. */
  async #run<T>(call: ApiCall, options: CallOptions): Promise<ApiOutcome<T>> {
    const prefix = options.correlationPrefix ?? this.#defaultPrefix();
    const plan: ApiCallPlan = applyApiFaults([[call]], options.faults ?? [], {
      random: this.#random,
      ...(this.#options.rateLimit ? { rateLimit: this.#options.rateLimit } : {}),
    });
    const exchanges: ApiExchange[] = [];
    for (const wave of plan) {
      const results = await Promise.all(wave.map((planned) => this.#perform(planned, prefix)));
      for (const result of results) exchanges.push(...result);
    }
    const answer = exchanges.at(-1);
    if (!answer) throw new Error('an API call plan made no request (a fault emptied it)');
    return { exchanges, answer, ...(isSuccess(answer) ? { value: answer.body as T } : {}) };
  }

  /** One planned call, to its final answer: through token trouble and rate limits. */
  async #perform(call: ApiCall, prefix: string): Promise<ApiExchange[]> {
    const exchanges: ApiExchange[] = [];
    const maxWaits = this.#options.maxRateLimitRetries ?? 5;
    let waits = 0;
    let renewed = false;
    for (;;) {
      const bearer = await this.#credential(call, prefix, exchanges);
      if (bearer === undefined) return exchanges;
      const exchange = await this.#exchange(call.operation, prefix, call.faults, {
        method: call.method,
        url: callUrl(this.#options.baseUrl, call),
        headers: { ...call.headers, authorization: `Bearer ${bearer}` },
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      exchanges.push(exchange);
      if (exchange.status === 429 && call.retryWhenLimited && waits < maxWaits) {
        waits += 1;
        await this.sleeper.sleep(retryAfterMs(exchange.headers, this.#options.clock.now()));
        continue;
      }
      // Our clock and the pipeline's may disagree on expiry: a token it calls expired is replaced.
      if (exchange.errorCode === 'token_expired' && call.credential === 'current' && !renewed) {
        renewed = true;
        this.#tokens.forget(call.scope ?? this.#options.scope);
        continue;
      }
      return exchanges;
    }
  }

  /** The token the call presents, or undefined when the token endpoint refused (its exchange last). */
  async #credential(
    call: ApiCall,
    prefix: string,
    exchanges: ApiExchange[],
  ): Promise<string | undefined> {
    const scope = call.scope ?? this.#options.scope;
    if (call.credential === 'expired') {
      // A token of its own, never the cached one: the client's other calls keep working.
      const fetched = await this.#fetchToken(scope, prefix);
      exchanges.push(fetched.exchange);
      if (!fetched.token) return undefined;
      await this.sleeper.sleep(fetched.token.expiresAtMs - this.#options.clock.now() + 1000);
      return fetched.token.value;
    }
    const lookup = await this.#tokens.get(scope, prefix);
    if (lookup.fetched) exchanges.push(lookup.fetched);
    // Refused: the call that asked holds the refusal; calls that waited on the same request
    // made no request of their own, so they add none.
    if (!lookup.token) return undefined;
    return call.credential === 'forged' ? forgeAccessToken(lookup.token.value) : lookup.token.value;
  }

  /** `POST /oauth/token`, client credentials grant (RFC 6749 §4.4). */
  async #fetchToken(scope: string | undefined, prefix: string): Promise<TokenFetch> {
    const { clientId, clientSecret } = this.#options;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined) form.set('scope', scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
    };
    if ((this.#options.clientAuth ?? 'basic') === 'basic') {
      // §2.3.1: each part form-urlencoded before the Basic encoding.
      const encode = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);
      headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const body = form.toString();
    const requestedAtMs = this.#options.clock.now();
    const exchange = await this.#exchange('issueAccessToken', prefix, [], {
      method: 'POST',
      url: new URL('/oauth/token', this.#options.baseUrl).toString(),
      headers,
      body,
      journalBody: body.replace(/(^|&)client_secret=[^&]*/, `$1client_secret=${REDACTED}`),
    });
    const answer = exchange.answerBody as Partial<TokenAnswer> | undefined;
    const { answerBody: _raw, ...kept } = exchange;
    if (exchange.status !== 200 || typeof answer?.access_token !== 'string')
      return { exchange: kept };
    const lifetimeS = typeof answer.expires_in === 'number' ? answer.expires_in : 0;
    return {
      exchange: kept,
      token: {
        value: answer.access_token,
        scope: typeof answer.scope === 'string' ? answer.scope : (scope ?? ''),
        obtainedAtMs: requestedAtMs,
        // From when it was asked for: the pipeline's clock started the lifetime no later.
        expiresAtMs: requestedAtMs + lifetimeS * 1000,
      },
    };
  }

  /** One HTTP request and its answer, journaled and checked against the contract. */
  async #exchange(
    operation: ApiCall['operation'] | TokenOperation,
    prefix: string,
    faults: string[],
    outgoing: {
      method: string;
      url: string;
      headers: Record<string, string>;
      body?: string;
      /** What the journal gets instead of the body (a secret masked). */
      journalBody?: string;
    },
  ): Promise<ApiExchange & { answerBody?: unknown }> {
    const correlationId = `${prefix}.${++this.#requests}`;
    const headers = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      [CORRELATION_HEADER]: correlationId,
      ...outgoing.headers,
    };
    const {
      entry,
      status,
      text,
      headers: responseHeaders,
      failure,
    } = await sendJournaled({
      journal: this.#options.journal,
      agent: this.#agent,
      clock: this.#options.clock,
      who: {
        simulator: 'api.client',
        run_id: this.#options.runId,
        partner_id: this.#options.partnerId,
        correlation_id: correlationId,
        faults,
      },
      method: outgoing.method,
      url: outgoing.url,
      headers,
      ...(outgoing.body === undefined ? {} : { body: outgoing.body }),
      ...(outgoing.journalBody === undefined ? {} : { journalBody: outgoing.journalBody }),
    });
    const parsed = parseJson(text);
    const url = new URL(outgoing.url);
    const errorCode = errorCodeOf(parsed);
    return {
      entry,
      operation,
      correlationId,
      faults,
      status,
      headers: responseHeaders,
      // The token answer only as journaled (token masked); its raw form goes to #fetchToken alone.
      body: operation === 'issueAccessToken' ? parseJson(entry.response?.body ?? '') : parsed,
      ...(operation === 'issueAccessToken' ? { answerBody: parsed } : {}),
      ...(errorCode === undefined ? {} : { errorCode }),
      contractProblems:
        failure === undefined
          ? apiAnswerProblems({
              method: outgoing.method,
              path: `${url.pathname}${url.search}`,
              status,
              headers: responseHeaders,
              body: parsed,
            })
          : [],
    };
  }

  #defaultPrefix(): string {
    return `${this.#options.runId}.api`;
  }
}

export function callUrl(baseUrl: string, call: ApiCall): string {
  const url = new URL(call.path, baseUrl);
  for (const [name, value] of Object.entries(call.query)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * How long a 429 asks us to wait: Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3),
 * else the rate window's reset, else a second.
 */
export function retryAfterMs(headers: Record<string, string>, nowMs: number): number {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (retryAfter !== undefined) {
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers['ratelimit-reset']?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) return Number(reset) * 1000;
  return 1000;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
