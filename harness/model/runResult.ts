import type { ProfileDuration } from '../../contracts/ops/sutWiring.js';

/**
 * What a certification run found, as written to `result.json`. The report, the JUnit file and
 * the CLI summary are all views of this one record.
 */

export type ScenarioKind = 'main' | 'alt' | 'exception';
export type ScenarioVerdict = 'pass' | 'fail' | 'error';

export interface OracleVerdict {
  kind: string;
  /** What the oracle checks, in a sentence. */
  title: string;
  verdict: 'pass' | 'fail' | 'skipped';
  expected: unknown;
  actual: unknown;
  /** Where a failure is: event id, field, record. */
  where?: string;
  message: string;
  /** Bundle-relative path of the file holding the oracle's inputs and verdict. */
  artifact?: string;
}

export interface StepResult {
  id: string;
  kind: string;
  title: string;
  /** Names of the faults the step injected, in order. */
  faults?: string[];
  /** False when the step itself could not be carried out (e.g. the SUT was unreachable). */
  ok: boolean;
  /** Exchanges the step made: deliveries, requests, files, messages. */
  exchanges: number;
  summary: string;
  error?: string;
  duration_ms: number;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** The behaviour the scenario expects, in the playbook's words. */
  expected?: string;
  /** Where the scenario comes from. */
  source?: string;
  kind: ScenarioKind;
  partner_id: string;
  flow: string;
  verdict: ScenarioVerdict;
  started_at: string;
  duration_ms: number;
  steps: StepResult[];
  oracles: OracleVerdict[];
  /** Bundle-relative paths of the scenario's artifacts. */
  artifacts: string[];
  /** The command that reruns this one scenario with the same seed. */
  rerun: string;
  /** Why the scenario could not run, when verdict is "error". */
  error?: string;
}

export interface ConnectivityCheck {
  check: string;
  /** The flow the check belongs to; absent for the SUT as a whole (readiness). */
  flow?: string;
  ok: boolean;
  detail: string;
}

/** A flow's exchanges with one partner, counted by how they were answered (the flow decides). */
export interface FlowExchanges {
  /** Exchanges made: requests, deliveries, files, messages. */
  sent: number;
  /** Acknowledged: a 2xx, a positive MDN, an ACK file. */
  acknowledged: number;
  /** Refused, as some scenarios require: a 4xx, a negative 997. */
  refused: number;
  /** Broken or unanswered: a 5xx, nothing at all. */
  failed: number;
}

/** The clock the run ran on: production durations of the profiles × scale. */
export interface CertificationTimeRecord {
  scale: number;
  source: string;
  /** Every scaled duration of the partners in the run, production and certification value. */
  durations: ProfileDuration[];
}

export type FlowVerdict = 'certified' | 'failed' | 'incomplete' | 'not_covered';

export interface FlowReport {
  flow: string;
  exchanges: FlowExchanges;
  coverage: Record<ScenarioKind, string[]>;
  verdict: FlowVerdict;
  reason: string;
}

export interface PartnerReport {
  partner_id: string;
  name: string;
  connectivity: ConnectivityCheck[];
  flows: FlowReport[];
}

export interface RunResult {
  run_id: string;
  seed: number;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  tool: { name: string; version: string; node: string };
  /** The SUT, and the bundle file saying what it was configured with (sut-wiring.json). */
  sut: { mode: 'bundled' | 'remote'; url: string; engine?: string; wiring?: string };
  /**
   * The key that seals this bundle (its public half is SHA256SUMS.pub.pem), so a reader can pin
   * it: `b2b evidence verify DIR --fingerprint …`. Written by the signer, so it is a claim to check
   * against a fingerprint learnt elsewhere, not a proof: verify never trusts it.
   */
  signer: { fingerprint: string };
  certification_time: CertificationTimeRecord;
  summary: { scenarios: number; passed: number; failed: number; errors: number };
  partners: PartnerReport[];
  scenarios: ScenarioResult[];
}
