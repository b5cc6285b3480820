import { describe, expect, it } from 'vitest';
import { Batcher, ItemFailure, type BatcherOptions } from '../../lib/batcher.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (not a timer wait: one macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A flush the test finishes by hand: each call is recorded with its items and waits until the
 * test resolves it (or makes it throw).
 */
function controllableFlush() {
  const calls: { items: string[]; done: Deferred<(string | ItemFailure)[]> }[] = [];
  let running = 0;
  let maxRunning = 0;
  const flush: BatcherOptions<string, string>['flush'] = async (items) => {
    const done = deferred<(string | ItemFailure)[]>();
    calls.push({ items, done });
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      return await done.promise;
    } finally {
      running--;
    }
  };
  const finish = (index: number) => {
    const call = calls[index];
    if (!call) throw new Error(`no flush call #${index}`);
    call.done.resolve(call.items.map((item) => item.toUpperCase()));
  };
  return { flush, calls, finish, maxRunning: () => maxRunning };
}

describe('Batcher', () => {
  it('gives each caller its own result, in order', async () => {
    const batcher = new Batcher<number, number>({
      flush: async (items) => items.map((item) => item * 10),
      maxBatch: 10,
      maxConcurrentFlushes: 1,
    });
    await expect(Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).resolves.toEqual([
      10, 20, 30,
    ]);
  });

  it('starts a flush one event-loop turn after its first item, with every item of that turn', async () => {
    const control = controllableFlush();
    const batcher = new Batcher({ flush: control.flush, maxBatch: 10, maxConcurrentFlushes: 1 });

    const first = ['a', 'b'].map((item) => batcher.submit(item));
    expect(control.calls).toHaveLength(0); // nothing flushed inside the submitting turn
    await settle();
    expect(control.calls.map((call) => call.items)).toEqual([['a', 'b']]);

    const rest = ['c', 'd', 'e'].map((item) => batcher.submit(item));
    await settle();
    expect(control.calls).toHaveLength(1); // still waiting on the first flush

    control.finish(0);
    await expect(Promise.all(first)).resolves.toEqual(['A', 'B']);
    await settle();
    expect(control.calls.map((call) => call.items)).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);

    control.finish(1);
    await expect(Promise.all(rest)).resolves.toEqual(['C', 'D', 'E']);
  });

  it('never hands flush more than maxBatch items', async () => {
    const control = controllableFlush();
    const batcher = new Batcher({ flush: control.flush, maxBatch: 2, maxConcurrentFlushes: 1 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((item) => batcher.submit(item));
    for (let index = 0; index < 3; index++) {
      await settle(); // the finished flush's callbacks run…
      await settle(); // …then the next flush starts, one turn later
      control.finish(index);
    }
    await expect(Promise.all(results)).resolves.toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(control.calls.map((call) => call.items)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('runs at most maxConcurrentFlushes flushes at once', async () => {
    const control = controllableFlush();
    const batcher = new Batcher({ flush: control.flush, maxBatch: 1, maxConcurrentFlushes: 2 });
    const results = ['a', 'b', 'c', 'd'].map((item) => batcher.submit(item));
    await settle();
    expect(control.calls.map((call) => call.items)).toEqual([['a'], ['b']]);

    control.finish(1);
    await settle();
    await settle();
    expect(control.calls.map((call) => call.items)).toEqual([['a'], ['b'], ['c']]);

    control.finish(0);
    await settle();
    await settle();
    control.finish(2);
    await settle();
    await settle();
    control.finish(3);
    await expect(Promise.all(results)).resolves.toEqual(['A', 'B', 'C', 'D']);
    expect(control.maxRunning()).toBe(2);
  });

  it('rejects every item of a batch whose flush throws, and carries on with the next', async () => {
    const control = controllableFlush();
    const batcher = new Batcher({ flush: control.flush, maxBatch: 10, maxConcurrentFlushes: 1 });
    const batch = ['b', 'c'].map((item) => batcher.submit(item));
    const failure = new Error('disk full');

    await settle();
    control.calls[0]?.done.reject(failure);
    const outcomes = await Promise.allSettled(batch);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);

    const after = batcher.submit('e');
    await settle();
    control.finish(1);
    await expect(after).resolves.toBe('E');
  });

  it('rejects only the item an ItemFailure marks', async () => {
    const batcher = new Batcher<string, string>({
      flush: async (items) =>
        items.map((item) =>
          item === 'bad' ? new ItemFailure(new Error(`refused ${item}`)) : item,
        ),
      maxBatch: 10,
      maxConcurrentFlushes: 1,
    });
    const outcomes = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((i) => batcher.submit(i)));
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'ok1' });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { message: 'refused bad' } });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'ok2' });
  });

  it('rejects the batch when flush returns the wrong number of results', async () => {
    const batcher = new Batcher<string, string>({
      flush: async () => ['only one'],
      maxBatch: 10,
      maxConcurrentFlushes: 1,
    });
    const blocker = batcher.submit('x');
    await expect(blocker).resolves.toBe('only one');
    const pair = [batcher.submit('y'), batcher.submit('z')];
    for (const outcome of await Promise.allSettled(pair)) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { message: 'batch flush returned 1 results for 2 items' },
      });
    }
  });

  it('idle() resolves at once when nothing is queued, and only after the last flush otherwise', async () => {
    const control = controllableFlush();
    const batcher = new Batcher({ flush: control.flush, maxBatch: 10, maxConcurrentFlushes: 1 });
    await expect(batcher.idle()).resolves.toBeUndefined();

    let idle = false;
    void batcher.submit('a');
    await settle();
    void batcher.submit('b');
    const waiting = batcher.idle().then(() => {
      idle = true;
    });
    control.finish(0);
    await settle();
    await settle();
    expect(idle).toBe(false); // 'b' is being flushed now
    control.finish(1);
    await waiting;
    expect(idle).toBe(true);
  });

  it('refuses limits below one', () => {
    const flush = async (items: unknown[]) => items;
    expect(() => new Batcher({ flush, maxBatch: 0, maxConcurrentFlushes: 1 })).toThrow(RangeError);
    expect(() => new Batcher({ flush, maxBatch: 1, maxConcurrentFlushes: 0 })).toThrow(RangeError);
  });
});
