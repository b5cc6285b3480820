import { performance } from 'node:perf_hooks';
import { request, type Agent } from 'undici';
import { isoUtc, type Clock } from '../lib/clock.js';
import type { Journal, JournalEntry, JournalRecord } from './journal.js';

/** One request a fake partner sends, and who it is in the journal. */
export interface OutgoingRequest {
  journal: Journal;
  agent: Agent;
  clock: Clock;
  /** The journal's names for this exchange: simulator, run, partner, correlation id, faults. */
  who: Pick<JournalRecord, 'simulator' | 'run_id' | 'partner_id' | 'correlation_id' | 'faults'> &
    Partial<Pick<JournalRecord, 'event_id'>>;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** What the journal keeps instead of the body (e.g. with a secret already masked). */
  journalBody?: string | Uint8Array;
}

export interface JournaledAnswer {
  entry: JournalEntry;
  /** 0 when no answer came (refused, reset, timed out): `failure` says why. */
  status: number;
  text: string;
  /** Header names in lower case, repeated values joined with ", ". */
  headers: Record<string, string>;
  failure?: string;
}

/**
 * Sends a request and journals it with whatever came back, an answer or the network error: every
 * simulator's exchanges reach the journal the same way, redacted by the journal itself.
 */
export async function sendJournaled(outgoing: OutgoingRequest): Promise<JournaledAnswer> {
  const started = performance.now();
  const at = isoUtc(outgoing.clock.now());
  let status = 0;
  let text = '';
  let headers: Record<string, string> = {};
  let failure: string | undefined;
  try {
    const response = await request(outgoing.url, {
      method: outgoing.method as 'GET' | 'POST',
      headers: outgoing.headers,
      ...(outgoing.body === undefined ? {} : { body: outgoing.body }),
      dispatcher: outgoing.agent,
    });
    status = response.statusCode;
    text = await response.body.text();
    headers = Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) => [
        name.toLowerCase(),
        Array.isArray(value) ? value.join(', ') : String(value ?? ''),
      ]),
    );
  } catch (error) {
    failure = (error as Error).message;
  }
  const entry = outgoing.journal.record({
    at,
    ...outgoing.who,
    request: {
      method: outgoing.method,
      url: outgoing.url,
      headers: outgoing.headers,
      body: outgoing.journalBody ?? outgoing.body ?? '',
    },
    ...(failure === undefined ? { response: { status, headers, body: text } } : { error: failure }),
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
  });
  return { entry, status, text, headers, ...(failure === undefined ? {} : { failure }) };
}
