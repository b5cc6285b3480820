import { createWriteStream, type WriteStream } from 'node:fs';
import { Redactor } from '../../lib/redact.js';
import { readLines } from '../evidence/readLines.js';

export interface PipelineLogLine {
  correlation_id?: string;
  msg?: string;
  [field: string]: unknown;
}

/**
 * The bundled pipeline's JSON log as the harness receives it on the child's stdout. Every line
 * goes through the run's Redactor (secrets, PII fields, also in lines that are not JSON) before it
 * is written to the bundle's full log or kept. The newest `capacity` lines stay in memory for
 * oracles waiting on a line; a scenario's excerpt is cut from the full log file, from where it
 * stood when the scenario began, so a storm's thousands of lines never sit in memory. The pipeline
 * redacts its own log too: this is the harness not taking the system under test's word for it.
 */
export class PipelineLog {
  readonly #capacity: number;
  readonly #redactor: Redactor;
  #lines: PipelineLogLine[] = [];
  #dropped = 0;
  #sink: WriteStream | undefined;
  #sinkFile: string | undefined;
  /** Bytes handed to the sink so far: where the next line starts in the file. */
  #sinkBytes = 0;
  #waiters: (() => void)[] = [];

  /** `redactor` is the run's; `secrets` alone builds one that knows only those (tests). */
  constructor(options: { capacity?: number; redactor?: Redactor; secrets?: string[] }) {
    this.#capacity = options.capacity ?? 10_000;
    this.#redactor = options.redactor ?? new Redactor({ secrets: options.secrets });
  }

  writeTo(file: string): void {
    this.#sink = createWriteStream(file, { flags: 'a' });
    this.#sinkFile = file;
  }

  async close(): Promise<void> {
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink) await new Promise<void>((resolve) => sink.end(() => resolve()));
  }

  accept(rawLine: string): PipelineLogLine | undefined {
    if (rawLine.trim() === '') return undefined;
    const line = this.#redactor.text(rawLine);
    if (this.#sink) {
      this.#sink.write(`${line}\n`);
      this.#sinkBytes += Buffer.byteLength(line) + 1;
    }
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
    return this.#lines.filter((line) => this.#under(prefix, line.correlation_id));
  }

  #under(prefix: string, correlationId: unknown): boolean {
    const under = prefix.endsWith('.') ? prefix : `${prefix}.`;
    return (
      typeof correlationId === 'string' &&
      (correlationId === prefix || correlationId.startsWith(under))
    );
  }

  /** Where the full log stands now: a scenario's excerpt starts here. */
  mark(): number {
    return this.#sinkBytes;
  }

  /**
   * Writes the lines under `prefix` (as `excerpt` selects them) logged since `mark` to `file`,
   * read back from the full log; without a full log, from memory. Returns `artifact`, the name
   * the evidence knows the file by. Lines in the full log are redacted already.
   */
  async writeExcerpt(
    prefix: string,
    mark: number,
    file: string,
    artifact: string,
  ): Promise<string> {
    const out = createWriteStream(file);
    const sink = this.#sink;
    const source = this.#sinkFile;
    if (sink && source) {
      // A zero-length write calls back once everything written before it is in the file.
      await new Promise<void>((resolve, reject) =>
        sink.write('', (error) => (error ? reject(error) : resolve())),
      );
      for await (const line of readLines(source, { start: mark })) {
        if (!this.#under(prefix, correlationOf(line))) continue;
        if (!out.write(`${line}\n`))
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
    } else {
      for (const line of this.excerpt(prefix)) out.write(`${JSON.stringify(line)}\n`);
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return artifact;
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

/** A full-log line's correlation id, without parsing lines that cannot hold one. */
function correlationOf(line: string): string | undefined {
  if (!line.includes('"correlation_id"')) return undefined;
  try {
    const parsed = JSON.parse(line) as PipelineLogLine;
    return typeof parsed.correlation_id === 'string' ? parsed.correlation_id : undefined;
  } catch {
    return undefined;
  }
}
