import type { Clock } from '../../lib/clock.js';
import type { ApiExchange } from './apiExchange.js';

/** The token endpoint's 200 answer (RFC 6749 §5.1; contracts/api/openapi.json `TokenAnswer`). */
export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** A token the client holds, with its lifetime on the client's own clock. */
export interface AccessToken {
  value: string;
  /** The scopes the token carries, as the answer said. */
  scope: string;
  obtainedAtMs: number;
  expiresAtMs: number;
}

/** One request to the token endpoint: its exchange, and the token when one was issued. */
export interface TokenFetch {
  exchange: ApiExchange;
  token?: AccessToken;
}

/**
 * What a caller gets: a token, or none when the endpoint refused; `fetched`, the token request's
 * exchange, only for the caller that made it (the others waited on it and made no request).
 */
export interface TokenLookup {
  token?: AccessToken;
  fetched?: ApiExchange;
}

export interface AccessTokensOptions {
  clock: Clock;
  /** Ask for a new token this long before the old one expires; at most half its lifetime. */
  refreshBeforeS: number;
  /** Asks the token endpoint; `correlationPrefix` is the asking operation's. */
  fetch(scope: string | undefined, correlationPrefix: string): Promise<TokenFetch>;
}

/**
 * The client's tokens, one per scope asked for, as a careful OAuth client keeps them: reused while
 * fresh, replaced before they expire (not after a 401), and asked for once when many requests need
 * one at the same moment (a burst of 100 calls makes one token request, not 100).
 */
export class AccessTokens {
  readonly #options: AccessTokensOptions;
  readonly #tokens = new Map<string, AccessToken>();
  readonly #pending = new Map<string, Promise<TokenFetch>>();

  constructor(options: AccessTokensOptions) {
    this.#options = options;
  }

  async get(scope: string | undefined, correlationPrefix: string): Promise<TokenLookup> {
    const key = scope ?? '';
    const held = this.#tokens.get(key);
    if (held && this.#fresh(held)) return { token: held };
    let pending = this.#pending.get(key);
    const mine = pending === undefined;
    if (!pending) {
      pending = this.#options
        .fetch(scope, correlationPrefix)
        .finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const fetched = await pending;
    if (mine && fetched.token) this.#tokens.set(key, fetched.token);
    return {
      ...(fetched.token ? { token: fetched.token } : {}),
      ...(mine ? { fetched: fetched.exchange } : {}),
    };
  }

  /** Forget the token for `scope`: the pipeline refused it, so the next call asks for another. */
  forget(scope: string | undefined): void {
    this.#tokens.delete(scope ?? '');
  }

  #fresh(token: AccessToken): boolean {
    const lifetimeMs = token.expiresAtMs - token.obtainedAtMs;
    const marginMs = Math.min(this.#options.refreshBeforeS * 1000, lifetimeMs / 2);
    return this.#options.clock.now() < token.expiresAtMs - marginMs;
  }
}
