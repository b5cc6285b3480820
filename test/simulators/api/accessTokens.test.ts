import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import { AccessTokens, type TokenFetch } from '../../../simulators/api/accessTokens.js';
import type { ApiExchange } from '../../../simulators/api/apiExchange.js';
import { retryAfterMs } from '../../../simulators/api/partnerApiClient.js';

const START = Date.UTC(2026, 0, 15, 12);

/** A token endpoint that issues `lifetimeS` tokens (or refuses), counting requests. */
function tokenEndpoint(clock: FakeClock, lifetimeS: number, refuse = false) {
  const asked: (string | undefined)[] = [];
  const fetch = async (scope: string | undefined): Promise<TokenFetch> => {
    asked.push(scope);
    await Promise.resolve();
    const exchange = { status: refuse ? 400 : 200 } as ApiExchange;
    if (refuse) return { exchange };
    const now = clock.now();
    return {
      exchange,
      token: {
        value: `t${asked.length}`,
        scope: scope ?? '',
        obtainedAtMs: now,
        expiresAtMs: now + lifetimeS * 1000,
      },
    };
  };
  return { asked, fetch };
}

describe('AccessTokens', () => {
  it('asks once for many callers at the same moment, and only the asker gets the exchange', async () => {
    const clock = new FakeClock(START);
    const endpoint = tokenEndpoint(clock, 300);
    const tokens = new AccessTokens({ clock, refreshBeforeS: 30, fetch: endpoint.fetch });
    const lookups = await Promise.all(
      Array.from({ length: 5 }, () => tokens.get('orders:read', 'run.api')),
    );
    expect(endpoint.asked).toEqual(['orders:read']);
    expect(new Set(lookups.map((lookup) => lookup.token?.value))).toEqual(new Set(['t1']));
    expect(lookups.filter((lookup) => lookup.fetched)).toHaveLength(1);
  });

  it('keeps one token per scope asked for', async () => {
    const clock = new FakeClock(START);
    const endpoint = tokenEndpoint(clock, 300);
    const tokens = new AccessTokens({ clock, refreshBeforeS: 30, fetch: endpoint.fetch });
    await tokens.get('orders:read', 'run.api');
    await tokens.get(undefined, 'run.api');
    await tokens.get('orders:read', 'run.api');
    expect(endpoint.asked).toEqual(['orders:read', undefined]);
  });

  it('renews refreshBeforeS before expiry, at most half-way through a short lifetime', async () => {
    const clock = new FakeClock(START);
    const endpoint = tokenEndpoint(clock, 40);
    const tokens = new AccessTokens({ clock, refreshBeforeS: 30, fetch: endpoint.fetch });
    await tokens.get(undefined, 'run.api');
    clock.advance(19_999);
    expect((await tokens.get(undefined, 'run.api')).token?.value).toBe('t1');
    clock.advance(1); // half of 40 s: a 30 s margin would have renewed after 10 s already
    expect((await tokens.get(undefined, 'run.api')).token?.value).toBe('t2');
  });

  it('asks again after a refusal, and after forget()', async () => {
    const clock = new FakeClock(START);
    const refused = new AccessTokens({
      clock,
      refreshBeforeS: 30,
      fetch: tokenEndpoint(clock, 300, true).fetch,
    });
    expect((await refused.get(undefined, 'run.api')).token).toBeUndefined();
    const endpoint = tokenEndpoint(clock, 300);
    const tokens = new AccessTokens({ clock, refreshBeforeS: 30, fetch: endpoint.fetch });
    await tokens.get(undefined, 'run.api');
    tokens.forget(undefined);
    expect((await tokens.get(undefined, 'run.api')).token?.value).toBe('t2');
  });
});

describe('retryAfterMs', () => {
  it('reads Retry-After in seconds or as an HTTP date, else the window reset, else a second', () => {
    expect(retryAfterMs({ 'retry-after': '7' }, START)).toBe(7000);
    expect(retryAfterMs({ 'retry-after': new Date(START + 3000).toUTCString() }, START)).toBe(3000);
    expect(retryAfterMs({ 'ratelimit-reset': '2' }, START)).toBe(2000);
    expect(retryAfterMs({}, START)).toBe(1000);
  });
});
