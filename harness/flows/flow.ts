import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { PartnerServer, WiringSetting } from '../../contracts/ops/sutWiring.js';
import type { Journal } from '../../simulators/journal.js';
import type { Exchange } from '../exchanges/exchange.js';
import type { ConnectivityCheck, FlowExchanges } from '../model/runResult.js';
import type { OracleKind } from '../oracles/oracleKind.js';
import type { ScenarioContext } from '../run/scenarioContext.js';
import type { FirstContact } from '../sut/firstContact.js';
import type { CertificationTime } from '../time/certificationTime.js';
import type { FaultKind } from './faultKind.js';
import type { StepKind } from './stepKind.js';

/**
 * A flow is one partner mode (webhook, api, sftp, edi, outbound calls), brought in one module:
 * its step kinds and faults (and any oracle kinds only it needs), how it provisions credentials
 * and starts the partner's side for a run, its connectivity checks, and how its exchanges count
 * in the report. The runtime knows flows only through this shape and the table in index.ts,
 * chosen by a scenario's `flow`.
 *
 *   certify
 *     │  for each partner × flow it has
 *     ├──> provision ────────────> credentials; partner-side servers start HERE, before the SUT
 *     │        │ settings (env), secrets, server addresses, host keys
 *     │        ▼
 *     ├──> start the bundled pipeline with the wiring   (--sut: write sut-wiring.json, print it)
 *     │
 *     │  for each scenario, with flow = FLOWS[scenario.flow]
 *     ├──> openSession ──> steps ──record──> exchanges.ndjson ──read back──> oracles
 *     │                                             │
 *     │                                             └──> report.count ──> totals, connectivity
 *     │
 *     └──> stop the SUT, then the partner-side servers; report per partner and flow
 *
 * Two directions, one shape:
 * - client modes (webhook sender, a partner pulling our API, the VAN sending): the partner calls
 *   the pipeline. `provision` generates (bundled SUT) or reads (remote SUT) the credentials and
 *   hands them over as settings; `openSession` starts the client for one scenario.
 * - server modes (the partner's SFTP server, the partner's API, the webhook receiver, the VAN
 *   receiving): the pipeline calls the partner. `provision` starts the server on an ephemeral
 *   port and hands over its address, host key or certificate and credentials; `openSession` binds
 *   the scenario's run and partner to it; `stop` ends it after the pipeline.
 *
 * Many runs at once: the same runtime will host simulators for partners who self-test, many runs
 * and partners at a time. A flow keeps nothing at module level: what `provision` returns belongs to
 * one run and one partner, and a server shared by several runs keys whatever it keeps by run id
 * and partner id (both are in RunSetup and ScenarioContext).
 */
export interface Flow<Side = unknown, Session = unknown> {
  /** The scenario's `flow` and the partner profile's mode: `webhook`. */
  mode: string;
  /** One line for `b2b scenarios list`. */
  title: string;
  /** client: the partner calls the pipeline; server: the pipeline calls the partner; both (a VAN). */
  role: 'client' | 'server' | 'both';
  steps: readonly StepKind<never, Session>[];
  faults: readonly FaultKind[];
  /** Oracle kinds about this mode's own surfaces (the webhook inbox); the general ones are shared. */
  oracles: readonly OracleKind<never>[];
  /** Schema definitions this flow's kinds refer to, as `#/$defs/<name>`: prefix names with the mode. */
  schemaDefs: Record<string, unknown>;
  /** Whether a partner profile has this mode configured (its block is present). */
  appliesTo(profile: PartnerProfile): boolean;
  /**
   * Credentials and partner-side servers for one partner in one run, before the SUT starts. Throw
   * ConfigError naming what is missing (e.g. a remote SUT's secret not in the environment): certify
   * gathers the problems of every partner and flow into one message.
   */
  provision(partner: PartnerProfile, run: RunSetup): Promise<Provisioned<Side>>;
  /** The partner's side for one scenario: a client, or a view of the server bound to the scenario. */
  openSession(setup: ScenarioSetup<Side>): Promise<FlowSession<Session>>;
  /** Counts this flow's exchanges with one partner over the run and judges its connectivity. */
  report(partner: PartnerProfile, side: Side): FlowPartnerReport;
}

/** What a flow may know when it provisions a run. */
export interface RunSetup {
  runId: string;
  /** bundled: we start the pipeline and choose its settings; remote: it is configured already. */
  sut: 'bundled' | 'remote';
  /** Where a remote SUT's existing credentials are read from (the profiles name the variables). */
  env: NodeJS.ProcessEnv;
  time: CertificationTime;
}

/** One partner's side of one flow for a run. */
export interface Provisioned<Side> {
  /** What openSession and report need later: secrets, addresses, a running server. */
  side: Side;
  /** What the SUT is configured with (environment variables); secrets are never written down. */
  settings: WiringSetting[];
  /** Every secret in play, so the run's redactor masks it everywhere. */
  secrets: string[];
  /** Partner-side servers the pipeline will call. */
  servers: PartnerServer[];
  /** Stops the partner-side servers; called after the SUT has stopped. */
  stop?(): Promise<void>;
}

export interface ScenarioSetup<Side> {
  context: ScenarioContext;
  side: Side;
  /** The scenario's journal: every simulator of the flow records into it (redacted, streamed). */
  journal: Journal;
}

export interface FlowSession<Session> {
  session: Session;
  close(): Promise<void>;
}

/** A flow's account of one partner over a run, fed one exchange at a time (memory stays flat). */
export interface FlowPartnerReport {
  count(exchange: Exchange): void;
  exchanges(): FlowExchanges;
  /** Checks of this flow's connection (auth, keys, endpoints), from the SUT's first answers. */
  connectivity(contact: FirstContact): ConnectivityCheck[];
}
