import { performance } from 'node:perf_hooks';
import { Batcher, ItemFailure } from '../../lib/batcher.js';
import type { Store } from '../store/store.js';
import type { DeliveryOutcome, InboxSubmission } from './delivery.js';
import { DEFAULT_INBOX_POLICY, recordDeliveries, type InboxPolicy } from './recordDeliveries.js';

export interface InboxWriterOptions {
  maxBatch?: number;
  /** Transactions in flight at once; defaults to what the store can run in parallel (at most 4). */
  maxConcurrentFlushes?: number;
  /** Told of every committed (or failed) batch: its size and how long its statement took. */
  onBatch?(size: number, seconds: number): void;
  /** Alert grouping and the audit bound for unauthenticated refusals. */
  policy?: InboxPolicy;
}

/**
 * The inbox's only way to the store: deliveries are group-committed (see lib/batcher.ts), and a
 * request is answered only after the statement holding its rows has committed. If a batch fails,
 * each delivery is retried alone, in arrival order, so one bad row cannot sink its neighbours.
 */
export class InboxWriter {
  readonly #store: Store;
  readonly #batcher: Batcher<InboxSubmission, DeliveryOutcome>;
  readonly #policy: InboxPolicy;

  constructor(store: Store, options: InboxWriterOptions = {}) {
    this.#store = store;
    this.#policy = options.policy ?? DEFAULT_INBOX_POLICY;
    this.#batcher = new Batcher({
      maxBatch: options.maxBatch ?? 256,
      maxConcurrentFlushes: options.maxConcurrentFlushes ?? 1,
      flush: async (items) => {
        const started = performance.now();
        try {
          return await this.#flush(items);
        } finally {
          options.onBatch?.(items.length, (performance.now() - started) / 1000);
        }
      },
    });
  }

  submit(submission: InboxSubmission): Promise<DeliveryOutcome> {
    return this.#batcher.submit(submission);
  }

  idle(): Promise<void> {
    return this.#batcher.idle();
  }

  async #flush(items: InboxSubmission[]): Promise<(DeliveryOutcome | ItemFailure)[]> {
    try {
      return await recordDeliveries(this.#store, items, this.#policy);
    } catch (error) {
      if (items.length === 1) throw error;
      // One at a time, in arrival order: retried in parallel, a later duplicate (or a conflicting
      // redelivery) could claim the event before the delivery that arrived first.
      const results: (DeliveryOutcome | ItemFailure)[] = [];
      for (const item of items) {
        try {
          results.push(
            (await recordDeliveries(this.#store, [item], this.#policy))[0] as DeliveryOutcome,
          );
        } catch (itemError) {
          // Items that still fail surface their own error to their own caller.
          results.push(new ItemFailure(itemError));
        }
      }
      return results;
    }
  }
}
