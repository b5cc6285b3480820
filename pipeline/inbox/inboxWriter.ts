import { Batcher, ItemFailure } from '../../lib/batcher.js';
import type { Store } from '../store/store.js';
import type { DeliveryOutcome, InboxSubmission } from './delivery.js';
import { recordDeliveries } from './recordDeliveries.js';

export interface InboxWriterOptions {
  maxBatch?: number;
  /** Transactions in flight at once; defaults to what the store can run in parallel (at most 4). */
  maxConcurrentFlushes?: number;
  onBatch?(size: number): void;
}

/**
 * The inbox's only way to the store: deliveries are group-committed (see lib/batcher.ts), and a
 * request is answered only after the transaction holding its rows has committed. If a batch fails,
 * each delivery is retried alone so one bad row cannot sink its neighbours.
 */
export class InboxWriter {
  readonly #store: Store;
  readonly #batcher: Batcher<InboxSubmission, DeliveryOutcome>;

  constructor(store: Store, options: InboxWriterOptions = {}) {
    this.#store = store;
    this.#batcher = new Batcher({
      maxBatch: options.maxBatch ?? 256,
      maxConcurrentFlushes: options.maxConcurrentFlushes ?? Math.min(4, store.parallelism),
      flush: async (items) => {
        options.onBatch?.(items.length);
        return this.#flush(items);
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
      return await this.#store.transaction((tx) => recordDeliveries(tx, items));
    } catch (error) {
      if (items.length === 1) throw error;
      const settled = await Promise.allSettled(
        items.map((item) => this.#store.transaction((tx) => recordDeliveries(tx, [item]))),
      );
      // Items that still fail surface their own error to their own caller.
      return settled.map((result) =>
        result.status === 'fulfilled' ? (result.value[0] as DeliveryOutcome) : new ItemFailure(result.reason),
      );
    }
  }
}
