import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { ScenarioDocument } from '../../contracts/scenarios/scenario.js';
import type { Clock } from '../../lib/clock.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import type { PartnerEvent } from '../../simulators/webhook/partnerEvent.js';
import type { DeliveryRecord, WebhookSender } from '../../simulators/webhook/webhookSender.js';
import type { MetricsSnapshot } from '../sut/metricsSnapshot.js';
import type { SystemUnderTest } from '../sut/systemUnderTest.js';

/**
 * Everything a step or an oracle of one scenario may use. Ids are made unique per run here, so
 * two runs against one pipeline never touch each other's events or orders.
 */
export interface ScenarioContext {
  runId: string;
  seed: number;
  scenario: ScenarioDocument;
  partner: PartnerProfile;
  random: SeededRandom;
  clock: Clock;
  sut: SystemUnderTest;
  sender: WebhookSender;
  /** The scenario's start, whole seconds: `at_s` offsets count from here. */
  startedAtMs: number;
  /** /metrics as it read before the first step. */
  metricsAtStart: MetricsSnapshot;
  /** Events sent so far, by their ref in the scenario. */
  sentEvents: Map<string, PartnerEvent>;
  /** The exchanges of each step, by step id. */
  deliveries: Map<string, DeliveryRecord[]>;
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

/** Correlation ids of a step's deliveries start with this (the sender appends `.<n>`). */
export function correlationPrefixFor(
  context: Pick<ScenarioContext, 'runId' | 'scenario'>,
  stepId: string,
): string {
  return `${context.runId}.${context.scenario.id}.${stepId}`;
}

/** Correlation ids of every delivery of a scenario start with this. */
export function scenarioCorrelationPrefix(
  context: Pick<ScenarioContext, 'runId' | 'scenario'>,
): string {
  return `${context.runId}.${context.scenario.id}.`;
}
