import { createWriteStream, type WriteStream } from 'node:fs';
import { redactHeaders, redactJson } from '../lib/redact.js';

/**
 * The record of every request a simulator made or answered (WireMock's word). In memory it keeps
 * only the newest `capacity` entries; every entry also streams, as one JSON line, to the sink
 * file when one is attached, so a long burst never grows the heap and nothing is lost.
 * Signature and credential headers, and the partner's PII fields, are redacted on the way in.
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

export interface JournalOptions {
  capacity?: number;
  piiFields?: string[];
  /** Largest body kept per entry; longer ones are cut and marked. */
  maxBodyChars?: number;
}

export class Journal {
  readonly #capacity: number;
  readonly #piiFields: string[];
  readonly #maxBodyChars: number;
  #entries: JournalEntry[] = [];
  #seq = 0;
  #sink: WriteStream | undefined;

  constructor(options: JournalOptions = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#piiFields = options.piiFields ?? [];
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

  record(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const stored: JournalEntry = {
      ...entry,
      seq: ++this.#seq,
      request: {
        ...entry.request,
        headers: redactHeaders(entry.request.headers),
        body: this.#body(entry.request.body),
      },
      response: entry.response && {
        ...entry.response,
        headers: redactHeaders(entry.response.headers),
        body: this.#body(entry.response.body),
      },
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

  #body(body: string): string {
    let text = body;
    if (this.#piiFields.length > 0 && text.length > 0) {
      try {
        text = JSON.stringify(redactJson(JSON.parse(text), { piiFields: this.#piiFields }));
      } catch {
        // not JSON: kept as sent
      }
    }
    return text.length > this.#maxBodyChars
      ? `${text.slice(0, this.#maxBodyChars)}…[cut at ${this.#maxBodyChars} chars]`
      : text;
  }
}
