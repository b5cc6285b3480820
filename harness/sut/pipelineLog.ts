import { createWriteStream, type WriteStream } from 'node:fs';
import { Redactor } from '../../lib/redact.js';

export interface PipelineLogLine {
  correlation_id?: string;
  msg?: string;
  [field: string]: unknown;
}

/**
 * The bundled pipeline's JSON log as the harness receives it on the child's stdout. Every line
 * goes through the run's Redactor (secrets, PII fields, also in lines that are not JSON) before it
 * is written to the bundle's full log or kept; the newest `capacity` lines stay in memory so a
 * scenario can cut its excerpt by correlation id. The pipeline redacts its own log too: this is
 * the harness not taking the system under test's word for it.
 */
export class PipelineLog {
  readonly #capacity: number;
  readonly #redactor: Redactor;
  #lines: PipelineLogLine[] = [];
  #dropped = 0;
  #sink: WriteStream | undefined;
  #waiters: (() => void)[] = [];

  /** `redactor` is the run's; `secrets` alone builds one that knows only those (tests). */
  constructor(options: { capacity?: number; redactor?: Redactor; secrets?: string[] }) {
    this.#capacity = options.capacity ?? 50_000;
    this.#redactor = options.redactor ?? new Redactor({ secrets: options.secrets });
  }

  writeTo(file: string): void {
    this.#sink = createWriteStream(file, { flags: 'a' });
  }

  async close(): Promise<void> {
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink) await new Promise<void>((resolve) => sink.end(() => resolve()));
  }

  accept(rawLine: string): PipelineLogLine | undefined {
    if (rawLine.trim() === '') return undefined;
    const line = this.#redactor.text(rawLine);
    this.#sink?.write(`${line}\n`);
    let parsed: PipelineLogLine;
    try {
      parsed = JSON.parse(line) as PipelineLogLine;
    } catch {
      parsed = { msg: line };
    }
    this.#lines.push(parsed);
    if (this.#lines.length > this.#capacity) {
      this.#dropped += this.#lines.length - this.#capacity;
      this.#lines.splice(0, this.#lines.length - this.#capacity);
    }
    for (const wake of this.#waiters.splice(0)) wake();
    return parsed;
  }

  /**
   * Lines whose correlation id is `prefix` or lies under it, segment by segment: `x.1` takes
   * `x.1` and `x.1.2` but not `x.10`; a prefix ending in `.` takes everything under it.
   */
  excerpt(prefix: string): PipelineLogLine[] {
    const under = prefix.endsWith('.') ? prefix : `${prefix}.`;
    return this.#lines.filter(
      (line) =>
        typeof line.correlation_id === 'string' &&
        (line.correlation_id === prefix || line.correlation_id.startsWith(under)),
    );
  }

  /** Lines dropped from memory so far (they are still in the full log file). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Waits until a line matching `predicate` has arrived, or `timeoutMs` passed. The child's log
   * pipe and its HTTP answers travel separately, so a line may trail the response it belongs to.
   */
  async waitFor(
    predicate: (line: PipelineLogLine) => boolean,
    timeoutMs: number,
  ): Promise<PipelineLogLine | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#lines.find(predicate);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
