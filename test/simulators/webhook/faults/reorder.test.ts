import { describe, expect, it } from 'vitest';
import { reorder } from '../../../../simulators/webhook/faults/reorder.js';
import { context, ids, plan } from '../planFixtures.js';

const EVENTS = ['evt_0', 'evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5', 'evt_6', 'evt_7'];

describe('reorder fault', () => {
  it('reverses the waves', () => {
    const result = reorder.apply(
      plan(['evt_0', 'evt_1', 'evt_2']),
      { order: 'reverse' },
      context(),
    );
    expect(ids(result)).toEqual([['evt_2'], ['evt_1'], ['evt_0']]);
    expect(result.flat().map((delivery) => delivery.faults)).toEqual([
      ['reorder'],
      ['reorder'],
      ['reorder'],
    ]);
  });

  it('shuffles with the run seed: a permutation, the same for the same seed', () => {
    const first = ids(reorder.apply(plan(EVENTS), { order: 'shuffle' }, context(11))).flat();
    const again = ids(reorder.apply(plan(EVENTS), { order: 'shuffle' }, context(11))).flat();
    const other = ids(reorder.apply(plan(EVENTS), { order: 'shuffle' }, context(12))).flat();
    expect(again).toEqual(first);
    expect([...first].sort()).toEqual(EVENTS);
    expect(first).not.toEqual(EVENTS);
    expect(other).not.toEqual(first);
  });

  it('follows an explicit permutation of positions', () => {
    const result = reorder.apply(
      plan(['evt_0', 'evt_1', 'evt_2']),
      { order: [2, 0, 1] },
      context(),
    );
    expect(ids(result)).toEqual([['evt_2'], ['evt_0'], ['evt_1']]);
  });

  it('refuses positions that are not a permutation of the plan', () => {
    const three = plan(['evt_0', 'evt_1', 'evt_2']);
    for (const order of [
      [0, 0, 1],
      [0, 1],
      [1, 2, 3],
      [0, 1, 2, 3],
    ]) {
      expect(() => reorder.apply(three, { order }, context())).toThrow(
        'reorder: order must be a permutation of 0..2',
      );
    }
  });
});
