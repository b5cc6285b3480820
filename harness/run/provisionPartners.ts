import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { PartnerServer, WiringSetting } from '../../contracts/ops/sutWiring.js';
import { ConfigError, type DataFileProblem } from '../../lib/errors.js';
import type { Flow, Provisioned, RunSetup } from '../flows/flow.js';
import { FLOWS } from '../flows/index.js';

/**
 * What the flows provisioned for one run: each partner's side of each of its flows (secrets,
 * running partner-side servers), and everything the SUT must be configured with. Keyed by partner
 * and flow, and owned by the run: two runs in one process never share a side.
 */
export interface ProvisionedRun {
  /** A flow's side for a partner, as openSession and report take it; undefined if not provisioned. */
  side(partnerId: string, mode: string): unknown;
  /** Whether a flow was provisioned for a partner. */
  has(partnerId: string, mode: string): boolean;
  settings: WiringSetting[];
  secrets: string[];
  servers: PartnerServer[];
  /** Stops every partner-side server (after the SUT has stopped). */
  stop(): Promise<void>;
}

/** The flows a partner has: in its profile's modes, registered, and configured in its profile. */
export function flowsOf(profile: PartnerProfile): Flow[] {
  return profile.modes.flatMap((mode) => {
    const flow = FLOWS[mode];
    return flow && flow.appliesTo(profile) ? [flow] : [];
  });
}

/**
 * Provisions every flow of every partner, before the SUT starts: partner-side servers come up
 * first, so their addresses and keys can be handed to the pipeline. Every partner's problems
 * (a remote SUT's secret missing from the environment) are reported together; whatever was
 * started is stopped again when anything failed.
 */
export async function provisionPartners(
  partners: Iterable<PartnerProfile>,
  run: RunSetup,
): Promise<ProvisionedRun> {
  const sides = new Map<string, Provisioned<unknown>>();
  const problems: DataFileProblem[] = [];
  for (const profile of partners) {
    for (const flow of flowsOf(profile)) {
      try {
        sides.set(key(profile.partner_id, flow.mode), await flow.provision(profile, run));
      } catch (error) {
        if (!(error instanceof ConfigError)) {
          await stopAll(sides);
          throw error;
        }
        problems.push(...error.problems);
      }
    }
  }
  if (problems.length > 0) {
    await stopAll(sides);
    throw new ConfigError(problems);
  }
  const provisioned = [...sides.values()];
  return {
    side: (partnerId, mode) => sides.get(key(partnerId, mode))?.side,
    has: (partnerId, mode) => sides.has(key(partnerId, mode)),
    settings: provisioned.flatMap((side) => side.settings),
    secrets: provisioned.flatMap((side) => side.secrets),
    servers: provisioned.flatMap((side) => side.servers),
    stop: () => stopAll(sides),
  };
}

function key(partnerId: string, mode: string): string {
  return `${partnerId}\u0000${mode}`;
}

async function stopAll(sides: Map<string, Provisioned<unknown>>): Promise<void> {
  await Promise.allSettled([...sides.values()].map((side) => side.stop?.()));
}
