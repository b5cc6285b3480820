import { describe, expect, it } from 'vitest';
import { WEBHOOK_FAULTS, applyFaults } from '../../../../simulators/webhook/faults/index.js';
import { NOW_S, context, ids, plan, receive } from '../planFixtures.js';

describe('WEBHOOK_FAULTS', () => {
  it('registers every fault under the name scenarios use, each with a summary', () => {
    expect(Object.keys(WEBHOOK_FAULTS).sort()).toEqual(
      [
        'burst',
        'delay',
        'duplicate',
        'expiredTimestamp',
        'futureTimestamp',
        'missingHeader',
        'reorder',
        'replay',
        'tamperBody',
        'wrongSecret',
      ].sort(),
    );
    for (const [name, fault] of Object.entries(WEBHOOK_FAULTS)) {
      expect(fault.name).toBe(name);
      expect(fault.summary.length).toBeGreaterThan(10);
    }
  });
});

describe('applyFaults', () => {
  it('returns the plan unchanged when no fault is asked for', () => {
    const original = plan(['evt_1']);
    expect(applyFaults(original, [], context())).toBe(original);
  });

  it('applies faults in the order given, passing their parameters', () => {
    const result = applyFaults(
      plan(['evt_1', 'evt_2']),
      [
        { name: 'duplicate' },
        { name: 'delay', seconds: 30 },
        { name: 'reorder', order: 'reverse' },
      ],
      context(),
    );
    expect(ids(result)).toEqual([['evt_2'], ['evt_2'], ['evt_1'], ['evt_1']]);
    expect(result.map((wave) => wave[0]?.faults)).toEqual([
      ['duplicate', 'delay', 'reorder'],
      ['delay', 'reorder'],
      ['duplicate', 'delay', 'reorder'],
      ['delay', 'reorder'],
    ]);
    for (const delivery of result.flat()) {
      expect(delivery.timestampS).toBe(NOW_S - 30);
      expect(receive(delivery).ok).toBe(true);
    }
  });

  it('refuses an unknown fault, naming the known ones', () => {
    expect(() => applyFaults(plan(['evt_1']), [{ name: 'teleport' }], context())).toThrow(
      /unknown webhook fault "teleport" \(known: .*duplicate.*reorder.*\)/,
    );
    expect(() => applyFaults(plan(['evt_1']), [{ name: 'teleport' }], context())).toThrow(
      RangeError,
    );
  });
});
