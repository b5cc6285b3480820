import { open, type FileHandle } from 'node:fs/promises';
import type { Redactor } from '../../lib/redact.js';
import { readLines } from '../evidence/readLines.js';
import { describeAnswer, plural, type Exchange, type ExchangeDraft } from './exchange.js';

/** Lines are written in batches of about this many bytes: few syscalls, little held in memory. */
const FLUSH_BYTES = 256 * 1024;

/** A step's exchanges are listed one by one in its summary up to this many, then counted. */
const LISTED_ANSWERS = 10;

/**
 * A scenario's exchanges are also kept in memory up to this many, so the usual dozen are read
 * back without touching the disk; past it, reads come from the file alone.
 */
const IN_MEMORY_EXCHANGES = 1_000;

/** Distinct answers counted per step; the rest (say, errors naming ever-new ports) are lumped. */
const DISTINCT_ANSWERS = 50;
const OTHER_ANSWERS = 'other answers';

/** What the log keeps in memory about a step: where its lines are, and a count of its answers. */
interface StepLedger {
  /** Byte ranges [start, end) of the file holding the step's lines (contiguous runs). */
  ranges: [number, number][];
  count: number;
  noun: string;
  /** The answers, in the order first seen, with how many times each came. */
  answers: Map<string, number>;
  /** The first few answers in order, for a short step's summary. */
  firstAnswers: string[];
}

/**
 * Every exchange of one scenario, streamed to `exchanges.ndjson` in the evidence folder as it
 * happens and read back from there, so memory stays flat whatever the scenario's size: beyond the
 * first thousand exchanges, the log keeps per step only where its lines are and how its answers
 * counted. Steps run one after another, so a step's lines are one contiguous stretch of the file
 * and reading a step back reads only that stretch.
 *
 *   step ──append──> [batch] ──flush──> exchanges.ndjson ──read(step)──> oracles
 */
export class ExchangeLog {
  readonly file: string;
  readonly #handle: FileHandle;
  readonly #redactor: Redactor | undefined;
  readonly #steps = new Map<string, StepLedger>();
  #batch: string[] = [];
  #batchBytes = 0;
  /** Writes in flight, chained so the file is written in order. */
  #writing: Promise<unknown> = Promise.resolve();
  /** Bytes in the file once the batch is flushed: the offset the next line starts at. */
  #end = 0;
  #seq = 0;
  #closed = false;
  /** Every exchange so far while there are few; undefined once there were too many. */
  #inMemory: Exchange[] | undefined = [];

  private constructor(file: string, handle: FileHandle, redactor: Redactor | undefined) {
    this.file = file;
    this.#handle = handle;
    this.#redactor = redactor;
  }

  /** Creates (or empties) the file. `redactor` masks secrets and PII on the way to disk. */
  static async create(file: string, redactor?: Redactor): Promise<ExchangeLog> {
    return new ExchangeLog(file, await open(file, 'w'), redactor);
  }

  /** Numbers an exchange, files it under its step, and queues its line; returns it as written. */
  async append(step: string, draft: ExchangeDraft): Promise<Exchange> {
    if (this.#closed) throw new Error(`exchange log ${this.file} is closed`);
    const exchange: Exchange = { seq: ++this.#seq, step, ...draft };
    // `record` shares what needs no change: an exchange is never changed once appended.
    const written = this.#redactor ? this.#redactor.record(exchange) : exchange;
    const line = `${JSON.stringify(written)}\n`;
    if (this.#inMemory && this.#inMemory.length < IN_MEMORY_EXCHANGES) this.#inMemory.push(written);
    else this.#inMemory = undefined;
    const bytes = Buffer.byteLength(line);
    this.#note(exchange, this.#end, this.#end + bytes);
    this.#end += bytes;
    this.#batch.push(line);
    this.#batchBytes += bytes;
    if (this.#batchBytes >= FLUSH_BYTES) await this.flush();
    return written;
  }

  /** Writes what is queued; reads and the evidence seal see every line appended so far. */
  async flush(): Promise<void> {
    if (this.#batch.length > 0) {
      const text = this.#batch.join('');
      this.#batch = [];
      this.#batchBytes = 0;
      this.#writing = this.#writing.then(() => this.#handle.write(text));
    }
    await this.#writing;
  }

  /** How many exchanges a step made. */
  count(step: string): number {
    return this.#steps.get(step)?.count ?? 0;
  }

  /** What a step's exchanges are called (`delivery`); `exchange` for a step that made none. */
  noun(step: string): string {
    return this.#steps.get(step)?.noun ?? 'exchange';
  }

  /** Exchanges of the scenario so far. */
  get total(): number {
    return this.#seq;
  }

  /**
   * "3 deliveries: 200 processed, 200 replayed, 401 signature_invalid"; beyond a few, the answers
   * counted in the order first seen: "1000 deliveries: 1× 200 processed, 999× 200 replayed".
   */
  summary(step: string): string {
    const ledger = this.#steps.get(step);
    if (!ledger) return 'no exchange';
    const head = `${ledger.count} ${plural(ledger.noun, ledger.count)}`;
    if (ledger.count <= LISTED_ANSWERS) return `${head}: ${ledger.firstAnswers.join(', ')}`;
    const counted = [...ledger.answers].map(([answer, times]) => `${times}× ${answer}`);
    return `${head}: ${counted.join(', ')}`;
  }

  /** A step's exchanges in the order they were made, read back from the file. */
  async *read(step: string): AsyncGenerator<Exchange> {
    const ledger = this.#steps.get(step);
    if (!ledger) return;
    if (this.#inMemory) {
      // A copy of the list: a step may read an earlier one while it appends.
      for (const exchange of [...this.#inMemory]) if (exchange.step === step) yield exchange;
      return;
    }
    await this.flush();
    for (const [start, end] of ledger.ranges)
      for await (const line of readLines(this.file, { start, end }))
        if (line !== '') yield JSON.parse(line) as Exchange;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#handle.close();
  }

  #note(exchange: Exchange, start: number, end: number): void {
    let ledger = this.#steps.get(exchange.step);
    if (!ledger) {
      ledger = { ranges: [], count: 0, noun: exchange.noun, answers: new Map(), firstAnswers: [] };
      this.#steps.set(exchange.step, ledger);
    }
    const last = ledger.ranges[ledger.ranges.length - 1];
    if (last && last[1] === start) last[1] = end;
    else ledger.ranges.push([start, end]);
    ledger.count += 1;
    const described = describeAnswer(exchange.answer);
    const answer =
      ledger.answers.has(described) || ledger.answers.size < DISTINCT_ANSWERS
        ? described
        : OTHER_ANSWERS;
    ledger.answers.set(answer, (ledger.answers.get(answer) ?? 0) + 1);
    if (ledger.firstAnswers.length < LISTED_ANSWERS) ledger.firstAnswers.push(described);
  }
}
