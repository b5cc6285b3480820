import type { StepDocument } from '../../contracts/scenarios/scenario.js';
import type { ExchangeDraft } from '../exchanges/exchange.js';
import type { ScenarioContext } from '../run/scenarioContext.js';
import type { KindSchema } from './kindSchema.js';

/** What a step has at hand while it runs: the scenario, its flow's session, and the record. */
export interface StepRun<Session> {
  context: ScenarioContext;
  /** The flow's partner side for this scenario (a webhook sender, an API client, …). */
  session: Session;
  /** Files one exchange under this step; it streams to the evidence and oracles read it back. */
  record(exchange: ExchangeDraft): Promise<void>;
}

/**
 * Names a step points at, read from the file as written (which may have failed the schema, so
 * every value is unknown): the loader checks them before anything runs.
 */
export interface StepReferences {
  /** Fields that must name an earlier step of the scenario: `[field, value]`. */
  earlierSteps?: [string, unknown][];
  /** The event and order refs this step sends, which oracles may name. */
  sends?: { events: unknown[]; orders: unknown[] };
}

/**
 * A step kind: something a fake partner does, named in scenario files (`kind: webhook.send`).
 * One per file with its schema beside it, brought by its flow. It records every exchange it makes;
 * the summary for the report is built from them unless it returns one.
 */
export interface StepKind<Step extends StepDocument = StepDocument, Session = unknown> {
  kind: string;
  summary: string;
  schema: KindSchema;
  references?(step: Record<string, unknown>): StepReferences;
  run(step: Step, run: StepRun<Session>): Promise<void | { summary: string }>;
}
