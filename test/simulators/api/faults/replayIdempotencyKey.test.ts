import { describe, expect, it } from 'vitest';
import { replayIdempotencyKey } from '../../../../simulators/api/faults/replayIdempotencyKey.js';
import { context, createCall, exportCall, plan } from '../callFixtures.js';

describe('replayIdempotencyKey fault', () => {
  it('follows each creation with the same key and another body (total + 1)', () => {
    const result = replayIdempotencyKey.apply(plan(createCall('A-1', 1999)), {}, context());
    expect(result).toHaveLength(2);
    const [first, replay] = result.flat();
    expect(first).toEqual(createCall('A-1', 1999));
    expect(replay?.headers).toEqual(first?.headers);
    expect(JSON.parse(replay?.body ?? '{}')).toEqual({
      order_id: 'A-1',
      total_amount: 2000,
      currency: 'EUR',
    });
    expect(replay?.faults).toEqual(['replayIdempotencyKey']);
  });

  it('with body: same, resends the very same request', () => {
    const [, replay] = replayIdempotencyKey
      .apply(plan(createCall()), { body: 'same' }, context())
      .flat();
    expect(replay).toEqual({ ...createCall(), faults: ['replayIdempotencyKey'] });
  });

  it('leaves reads alone', () => {
    expect(replayIdempotencyKey.apply(plan(exportCall()), {}, context())).toEqual(
      plan(exportCall()),
    );
  });
});
