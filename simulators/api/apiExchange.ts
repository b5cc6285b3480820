import type { JournalEntry } from '../journal.js';
import type { ApiOperation } from './apiCall.js';

/** The token endpoint's operation (contracts/api/openapi.json: issueAccessToken). */
export type TokenOperation = 'issueAccessToken';

/** One HTTP exchange of the API client, as the partner saw it. */
export interface ApiExchange {
  /** As journaled: redacted (credentials, tokens, PII). */
  entry: JournalEntry;
  operation: ApiOperation | TokenOperation;
  correlationId: string;
  faults: string[];
  /** 0 when no answer came (connection refused, timeout): see entry.error. */
  status: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
  /**
   * The response body, parsed when it was JSON. A token answer is kept only as journaled, with the
   * access token masked: the token itself stays inside the client.
   */
  body: unknown;
  /** `error.code` of a refusal in the pipeline's error body. */
  errorCode?: string;
  /** Where the answer breaks contracts/api/openapi.json (status, headers, body); empty when kept. */
  contractProblems: string[];
}

/** What an operation did: every exchange it made, token requests and retries included. */
export interface ApiOutcome<T> {
  exchanges: ApiExchange[];
  /** The last answer: to the operation itself, or the token endpoint's refusal that stopped it. */
  answer: ApiExchange;
  /** The answer's body when the operation succeeded (2xx). */
  value?: T;
}

export function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isSuccess(exchange: ApiExchange): boolean {
  return exchange.status >= 200 && exchange.status < 300;
}
