import { Agent, request } from 'undici';

/** One read of the system under test, kept as an oracle's input. */
export interface SurfaceRead {
  method: 'GET';
  path: string;
  status: number;
  body: unknown;
}

/** Reads kept per recording; beyond, they are counted (an oracle over a storm reads per delivery). */
const KEPT_READS = 200;

/**
 * Reads the pipeline's public surfaces: the ops API, /metrics, /readyz. Oracles judge only what
 * comes back from here; the reads made while a recording is open are kept as evidence, the first
 * KEPT_READS of them in full and the rest counted, so memory stays flat whatever an oracle reads.
 */
export class OpsClient {
  readonly #baseUrl: string;
  readonly #token: string | undefined;
  readonly #agent = new Agent({ connections: 8, headersTimeout: 15_000, bodyTimeout: 15_000 });
  #recording: { reads: SurfaceRead[]; notKept: number } | undefined;

  constructor(baseUrl: string, token?: string) {
    this.#baseUrl = baseUrl.replace(/\/$/, '');
    this.#token = token;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  async get<T = unknown>(
    path: string,
    query: Record<string, string | number | undefined> = {},
  ): Promise<{ status: number; body: T }> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) search.set(key, String(value));
    const pathWithQuery = search.size > 0 ? `${path}?${search}` : path;
    const response = await request(`${this.#baseUrl}${pathWithQuery}`, {
      method: 'GET',
      headers: this.#token ? { authorization: `Bearer ${this.#token}` } : {},
      dispatcher: this.#agent,
    });
    const text = await response.body.text();
    let body: unknown = text;
    if ((response.headers['content-type'] ?? '').toString().includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
    }
    const recording = this.#recording;
    if (recording && recording.reads.length < KEPT_READS)
      recording.reads.push({
        method: 'GET',
        path: pathWithQuery,
        status: response.statusCode,
        body,
      });
    else if (recording) recording.notKept += 1;
    return { status: response.statusCode, body: body as T };
  }

  /** Every GET of a `/ops/…` list endpoint, following `next_cursor` to the end (bounded). */
  async getAll<T>(
    path: string,
    query: Record<string, string | undefined>,
    maxPages = 50,
  ): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const response = await this.get<{ items: T[]; next_cursor: string | null }>(path, {
        ...query,
        limit: 500,
        cursor,
      });
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
      items.push(...response.body.items);
      if (!response.body.next_cursor) return items;
      cursor = response.body.next_cursor;
    }
    throw new Error(`GET ${path}: more than ${maxPages} pages`);
  }

  /**
   * Runs `work`, returning what it read alongside its result, and how many reads beyond the
   * kept ones it made. One recording at a time per client: oracles of a scenario run in turn.
   */
  async recording<T>(
    work: () => Promise<T>,
  ): Promise<{ result: T; reads: SurfaceRead[]; readsNotKept: number }> {
    const recording = { reads: [] as SurfaceRead[], notKept: 0 };
    const previous = this.#recording;
    this.#recording = recording;
    try {
      const result = await work();
      return { result, reads: recording.reads, readsNotKept: recording.notKept };
    } finally {
      this.#recording = previous;
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
