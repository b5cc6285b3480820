/**
 * Group commit. Callers submit items one at a time and each gets its own result, but items that
 * arrive while a flush is running, or in the same turn of the event loop, are flushed together.
 * A flush starts one `setImmediate` after its first item, never on a timer: at low load that
 * costs microseconds; under load, batches grow by themselves and one transaction (one fsync)
 * serves many callers. The turn matters: an HTTP server reads many requests in one I/O phase, and
 * a store that runs on the main thread (PGlite) would otherwise finish each transaction before the
 * next request is even parsed.
 *
 *   submit(a) ─┐                 ┌─> result(a)
 *   submit(b) ─┼─> queue ─> flush([a,b,c]) ─┼─> result(b)
 *   submit(c) ─┘                 └─> result(c)
 */
/** Marks one item of a flushed batch as failed while the others succeed. */
export class ItemFailure {
  readonly error: unknown;

  constructor(error: unknown) {
    this.error = error;
  }
}

export interface BatcherOptions<Item, Result> {
  /**
   * Handles a whole batch; returns one result per item, in order. An `ItemFailure` fails only its
   * own item; a thrown error fails the whole batch.
   */
  flush(items: Item[]): Promise<(Result | ItemFailure)[]>;
  /** Largest batch handed to `flush`. */
  maxBatch: number;
  /** Flushes allowed to run at once (e.g. one per database connection). */
  maxConcurrentFlushes: number;
}

interface Pending<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export class Batcher<Item, Result> {
  readonly #options: BatcherOptions<Item, Result>;
  #queue: Pending<Item, Result>[] = [];
  #running = 0;
  #drainScheduled = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: BatcherOptions<Item, Result>) {
    if (options.maxBatch < 1 || options.maxConcurrentFlushes < 1) {
      throw new RangeError('maxBatch and maxConcurrentFlushes must be at least 1');
    }
    this.#options = options;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#pump();
    });
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    if (this.#running === 0 && this.#queue.length === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
      return;
    }
    if (this.#drainScheduled || this.#running >= this.#options.maxConcurrentFlushes) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#running < this.#options.maxConcurrentFlushes && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      this.#running++;
      void this.#run(batch);
    }
  }

  async #run(batch: Pending<Item, Result>[]): Promise<void> {
    try {
      const results = await this.#options.flush(batch.map((pending) => pending.item));
      if (results.length !== batch.length) {
        throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((pending, index) => {
        const result = results[index] as Result | ItemFailure;
        if (result instanceof ItemFailure) pending.reject(result.error);
        else pending.resolve(result);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.#running--;
      this.#pump();
    }
  }
}
