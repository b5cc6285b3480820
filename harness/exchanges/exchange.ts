/**
 * One exchange between a fake partner and the system under test, whatever the mode: who sent what
 * to whom over which protocol, and what came back. A webhook delivery, an API call the partner
 * makes, a file the partner drops or the pipeline fetches, an AS2 message through the VAN: each
 * becomes one of these, and oracles read only these (and the SUT's public surfaces), never a
 * flow's private types. The full request and answer stay in the scenario's journal (redacted);
 * `journal_seq` points at the entry.
 *
 *   simulator ──JournalEntry──> flow.toExchange ──Exchange──> exchanges.ndjson ──> oracles, report
 */
export interface Exchange {
  /** Order within the scenario, from 1. */
  seq: number;
  /** The scenario step that made it. */
  step: string;
  flow: string;
  /** The wire protocol: `http`, `https`, `sftp`, `as2`. */
  protocol: string;
  /** Who sent it and who it went to: `partner p_001`, `pipeline`. */
  from: string;
  to: string;
  /** What one exchange is called in this flow: `delivery`, `request`, `file`, `interchange`. */
  noun: string;
  /** What was sent, in a few words: `POST /webhooks/p_001`, `PUT inbox/inventory_….csv`. */
  message: string;
  /** The business message it carried: an event id, a file name, an interchange control number. */
  message_id?: string;
  /** What that message is: `event`, `file`, `interchange`. */
  message_kind?: string;
  correlation_id: string;
  /** Faults that shaped it, in the order applied. */
  faults: string[];
  answer: ExchangeAnswer;
  /** Flow-specific facts its report counts (e.g. `scheme: x-signature`); oracles ignore them. */
  facts?: Record<string, string>;
  /** The journal entry holding the full request and answer, redacted. */
  journal_seq?: number;
  at: string;
  duration_ms: number;
}

/** What came back, in the terms oracles compare. */
export interface ExchangeAnswer {
  /** The protocol's status (an HTTP status); 0 when nothing came back at all. */
  status: number;
  /** What the receiver said it did: `processed`, `replayed`, `accepted`. */
  outcome?: string;
  /** What it did to the business state: `applied`, `superseded`. */
  effect?: string;
  /** The receiver's error code, when it refused. */
  error_code?: string;
  /** Why nothing came back (connection refused, timeout). */
  error?: string;
  /** How the report counts it. */
  acknowledgment: Acknowledgment;
}

/**
 * acknowledged: the receiver took it (2xx, a positive MDN, an ACK file); refused: it answered no,
 * as some scenarios require (4xx, a negative 997); failed: it broke or did not answer.
 */
export type Acknowledgment = 'acknowledged' | 'refused' | 'failed';

/** An exchange as a flow hands it over; the log numbers it and files it under its step. */
export type ExchangeDraft = Omit<Exchange, 'seq' | 'step'>;

/** "200 processed", "401 signature_invalid", "no answer (connect ECONNREFUSED …)". */
export function describeAnswer(answer: ExchangeAnswer): string {
  if (answer.status === 0) return `no answer (${answer.error ?? 'network error'})`;
  return `${answer.status} ${answer.outcome ?? answer.error_code ?? ''}`.trim();
}

/** "delivery x.B-002.created.1 (event evt-…, faults duplicate)": where an oracle found a fault. */
export function exchangeLabel(exchange: Exchange): string {
  const about = [
    exchange.message_id && `${exchange.message_kind ?? 'message'} ${exchange.message_id}`,
    exchange.faults.length > 0 && `faults ${exchange.faults.join('+')}`,
  ].filter(Boolean);
  return `${exchange.noun} ${exchange.correlation_id}${about.length > 0 ? ` (${about.join(', ')})` : ''}`;
}

/** delivery → deliveries, request → requests. */
export function plural(noun: string, count: number): string {
  if (count === 1) return noun;
  return /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}
