import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { ScenarioDocument } from '../../contracts/scenarios/scenario.js';
import type { Clock } from '../../lib/clock.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import type { ExchangeLog } from '../exchanges/exchangeLog.js';
import type { MetricsSnapshot } from '../sut/metricsSnapshot.js';
import type { SystemUnderTest } from '../sut/systemUnderTest.js';
import type { CertificationTime } from '../time/certificationTime.js';
import type { PartnerDocuments } from './partnerDocuments.js';

/**
 * Everything a step or an oracle of one scenario may use, whatever the flow: nothing in it belongs
 * to one mode (a flow's own state is its session). Ids are made unique per run here, so two runs
 * against one pipeline never touch each other's events or orders.
 */
export interface ScenarioContext {
  runId: string;
  seed: number;
  scenario: ScenarioDocument;
  partner: PartnerProfile;
  random: SeededRandom;
  clock: Clock;
  /** The scale production durations run at; what the evidence says the run ran at. */
  time: CertificationTime;
  sut: SystemUnderTest;
  /** The scenario's start, whole seconds: `at_s` offsets count from here. */
  startedAtMs: number;
  /** /metrics as it read before the first step. */
  metricsAtStart: MetricsSnapshot;
  /** What the partner sent so far, by the scenario's refs. */
  documents: PartnerDocuments;
  /** Every exchange so far, streamed to the evidence and read back by step. */
  exchanges: ExchangeLog;
}

/** `evt-<run>-<scenario>-<ref>`: the run-unique event id for an event ref. */
export function eventIdFor(
  context: Pick<ScenarioContext, 'runId' | 'scenario'>,
  ref: string,
): string {
  return `evt-${context.runId}-${context.scenario.id}-${ref}`;
}

/** `ORD-<run>-<scenario>-<ref>`: the run-unique order number for an order ref. */
export function orderNumberFor(
  context: Pick<ScenarioContext, 'runId' | 'scenario'>,
  ref: string,
): string {
  return `ORD-${context.runId}-${context.scenario.id}-${ref}`;
}

/** Correlation ids of a step's exchanges start with this (the simulator appends `.<n>`). */
export function correlationPrefixFor(
  context: Pick<ScenarioContext, 'runId' | 'scenario'>,
  stepId: string,
): string {
  return `${context.runId}.${context.scenario.id}.${stepId}`;
}

/** Correlation ids of every exchange of a scenario start with this. */
export function scenarioCorrelationPrefix(
  context: Pick<ScenarioContext, 'runId' | 'scenario'>,
): string {
  return `${context.runId}.${context.scenario.id}.`;
}
