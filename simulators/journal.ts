import { createWriteStream, type WriteStream } from 'node:fs';
import { Redactor } from '../lib/redact.js';

/**
 * The record of every request a simulator made or answered (WireMock's word). In memory it keeps
 * only the newest `capacity` entries; every entry also streams, as one JSON line, to the sink
 * file when one is attached, so a long burst never grows the heap and nothing is lost.
 * Everything goes through the run's Redactor on the way in: signature and credential headers, the
 * secrets in use, and the partner's PII fields, in JSON, broken JSON and form bodies alike; a body
 * that is not text is kept as its size and sha256.
 */
export interface JournalEntry {
  seq: number;
  at: string;
  simulator: string;
  run_id: string;
  partner_id: string;
  correlation_id: string;
  event_id?: string;
  /** Faults applied to this request, e.g. ["duplicate", "tamperBody"]. */
  faults: string[];
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response?: { status: number; headers: Record<string, string>; body: string };
  error?: string;
  duration_ms: number;
}

/** What a simulator hands over: bodies as it sent or received them, text or bytes. */
export type JournalRecord = Omit<JournalEntry, 'seq' | 'request' | 'response'> & {
  request: Omit<JournalEntry['request'], 'body'> & { body: string | Uint8Array };
  response?: Omit<NonNullable<JournalEntry['response']>, 'body'> & { body: string | Uint8Array };
};

export interface JournalOptions {
  capacity?: number;
  /** The run's redactor (PII fields and secrets); when absent, one is built from `piiFields`. */
  redactor?: Redactor;
  piiFields?: string[];
  /** Largest body kept per entry; longer ones are cut and marked. */
  maxBodyChars?: number;
}

export class Journal {
  readonly #capacity: number;
  readonly #redactor: Redactor;
  readonly #maxBodyChars: number;
  #entries: JournalEntry[] = [];
  #seq = 0;
  #sink: WriteStream | undefined;

  constructor(options: JournalOptions = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#redactor = options.redactor ?? new Redactor({ piiFields: options.piiFields });
    this.#maxBodyChars = options.maxBodyChars ?? 64 * 1024;
  }

  /** Streams every later entry to `file` (NDJSON); replaces any earlier sink. */
  async attachSink(file: string): Promise<void> {
    await this.detachSink();
    this.#sink = createWriteStream(file, { flags: 'a' });
  }

  async detachSink(): Promise<void> {
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink)
      await new Promise<void>((resolve, reject) =>
        sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
  }

  record(entry: JournalRecord): JournalEntry {
    const redactor = this.#redactor;
    const stored: JournalEntry = {
      ...entry,
      seq: ++this.#seq,
      request: {
        ...entry.request,
        url: redactor.text(entry.request.url),
        headers: redactor.headers(entry.request.headers),
        body: this.#body(entry.request.body),
      },
      response: entry.response && {
        ...entry.response,
        headers: redactor.headers(entry.response.headers),
        body: this.#body(entry.response.body),
      },
      ...(entry.error === undefined ? {} : { error: redactor.text(entry.error) }),
    };
    this.#entries.push(stored);
    if (this.#entries.length > this.#capacity)
      this.#entries.splice(0, this.#entries.length - this.#capacity);
    this.#sink?.write(`${JSON.stringify(stored)}\n`);
    return stored;
  }

  /** The entries still in memory, oldest first. */
  entries(): readonly JournalEntry[] {
    return this.#entries;
  }

  get recorded(): number {
    return this.#seq;
  }

  /** Cut after redaction, so a mask is never split into a readable half. */
  #body(body: string | Uint8Array): string {
    const text = this.#redactor.body(body);
    return text.length > this.#maxBodyChars
      ? `${text.slice(0, this.#maxBodyChars)}…[cut at ${this.#maxBodyChars} chars]`
      : text;
  }
}
