import { randomBytes } from 'node:crypto';
import type { WiringSetting } from '../../../contracts/ops/sutWiring.js';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import { realSleeper, type Sleeper } from '../../../simulators/api/sleeper.js';
import type { Provisioned, RunSetup } from '../flow.js';

/**
 * The pipeline disables a client whose secret is shorter (pipeline/api/auth/apiClients.ts says
 * why); a remote SUT's secret that short is refused here, before anything runs.
 */
const MIN_CLIENT_SECRET_LENGTH = 16;

/** One OAuth2 client of the partner, as the fake partner holds it for a run. */
export interface ApiClientCredentials {
  clientId: string;
  /** Undefined for a remote SUT whose secret was not handed over: its scenarios cannot run. */
  secret: string | undefined;
  /** The variable the profile names for the secret. */
  variable: string;
  /** The scopes the profile grants the client. */
  scopes: readonly string[];
  /** How the secret was obtained, for the report's connectivity detail. */
  secretSource: string;
}

/** What the api flow holds for one partner over a run. */
export interface ApiSide {
  clients: ApiClientCredentials[];
  /**
   * How the partner waits (Retry-After, a token kept past its expiry): really, for a pipeline
   * whose clock is its own; a bench that shares the pipeline's FakeClock moves it instead.
   */
  sleeper: Sleeper;
}

/**
 * The partner's API client secrets for a run, one per client of its profile's `api` block. For
 * the bundled pipeline each is generated fresh and handed to both sides (the pipeline in its
 * environment, the fake partner in memory), never written to disk. A remote pipeline holds its
 * own: the operator hands the same ones over in the variables the profile names. One not handed
 * over is not an error here, since a run may certify the partner's other modes only: the api
 * scenarios then stop at their first step, naming the variable to set.
 */
export async function provisionApiClients(
  partner: PartnerProfile,
  run: RunSetup,
): Promise<Provisioned<ApiSide>> {
  const api = partner.api;
  if (!api) throw new Error(`partner ${partner.partner_id} has no api block`);
  const clients: ApiClientCredentials[] = [];
  const settings: WiringSetting[] = [];
  for (const client of api.clients) {
    const setting = {
      variable: client.secret_env,
      purpose: `the secret of ${partner.partner_id}'s API client ${client.client_id}`,
      partner_id: partner.partner_id,
      flow: 'api',
      sensitive: true,
    };
    if (run.sut === 'bundled') {
      const secret = randomBytes(32).toString('base64url');
      clients.push({
        clientId: client.client_id,
        secret,
        variable: client.secret_env,
        scopes: client.scopes,
        secretSource: 'generated for this run and handed to both sides (never written to disk)',
      });
      settings.push({ ...setting, value: secret, source: 'generated' });
      continue;
    }
    const offered = run.env[client.secret_env]?.trim() ?? '';
    const secret = offered.length >= MIN_CLIENT_SECRET_LENGTH ? offered : undefined;
    clients.push({
      clientId: client.client_id,
      secret,
      variable: client.secret_env,
      scopes: client.scopes,
      secretSource: secret
        ? `read from ${client.secret_env}`
        : `not handed over: ${client.secret_env} is ${offered === '' ? 'not set' : `shorter than ${MIN_CLIENT_SECRET_LENGTH} characters`}`,
    });
    settings.push({
      ...setting,
      // Said where the operator reads the wiring: the api scenarios of this run cannot call.
      ...(secret
        ? { value: secret }
        : {
            purpose: `${setting.purpose} (not in this environment: the api scenarios cannot run)`,
          }),
      source: 'environment',
    });
  }
  return {
    side: { clients, sleeper: realSleeper },
    settings,
    secrets: clients.flatMap((client) => (client.secret ? [client.secret] : [])),
    servers: [],
  };
}
