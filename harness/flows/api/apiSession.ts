import type { ApiExchange } from '../../../simulators/api/apiExchange.js';
import type { FlowSession, ScenarioSetup } from '../flow.js';
import type { StepRun } from '../stepKind.js';
import { apiExchange, type CallOrigin } from './apiExchange.js';
import type { ApiClientCredentials, ApiSide } from './apiCredentials.js';
import { startCallerAddressRelay, type CallerAddressRelay } from './callerAddressRelay.js';
import { RecordingApiClient } from './recordingApiClient.js';

/** The api flow's partner side for one scenario: the partner's API client, and its record. */
export interface ApiSession {
  partnerId: string;
  /** The partner's client, calling from its usual address. */
  client: RecordingApiClient;
  /** A client with the same credentials calling from `address` (one per address and scenario). */
  clientFrom(address: string): Promise<RecordingApiClient>;
  /**
   * Runs a step's calls: every exchange any of the session's clients makes meanwhile is filed
   * under the step as its operation ends, and all are filed when this resolves.
   */
  recording<T>(run: StepRun<ApiSession>, work: () => Promise<T>): Promise<T>;
}

/**
 * A client per scenario, with the partner's credentials, aimed at the SUT, recording into the
 * scenario's journal. Its randomness forks from the scenario's, so a rerun with the same seed
 * makes the same calls. A call from another address (a partner outside its IP allowlist) goes
 * through a relay bound to that address, opened when first asked for and closed with the session.
 */
export async function openApiSession(
  setup: ScenarioSetup<ApiSide>,
): Promise<FlowSession<ApiSession>> {
  const { context, side, journal } = setup;
  const partnerId = context.partner.partner_id;
  const credentials = usableClient(partnerId, side.clients);
  const rateLimit = context.partner.api?.rate_limit;

  let record: StepRun<ApiSession>['record'] | undefined;
  let filing: Promise<void> = Promise.resolve();
  const hear = (origin: CallOrigin) => (exchanges: readonly ApiExchange[]) => {
    const step = record;
    if (!step) throw new Error('the partner API client was used outside a step');
    for (const exchange of exchanges) {
      const draft = apiExchange(exchange, partnerId, origin);
      filing = filing.then(() => step(draft));
    }
  };
  const clients: RecordingApiClient[] = [];
  const relays: CallerAddressRelay[] = [];
  const newClient = (baseUrl: string, origin: CallOrigin) => {
    const client = new RecordingApiClient(
      {
        runId: context.runId,
        partnerId,
        baseUrl,
        clientId: credentials.clientId,
        clientSecret: credentials.secret,
        clock: context.clock,
        sleeper: side.sleeper,
        journal,
        random: context.random.fork(`api-client:${origin.fromAddress ?? 'usual'}`),
        ...(rateLimit
          ? { rateLimit: { requests: rateLimit.requests, perS: rateLimit.per_s } }
          : {}),
      },
      hear(origin),
    );
    clients.push(client);
    return client;
  };
  const fromAddress = new Map<string, Promise<RecordingApiClient>>();

  const session: ApiSession = {
    partnerId,
    client: newClient(context.sut.url, {}),
    clientFrom(address) {
      let client = fromAddress.get(address);
      if (!client) {
        client = startCallerAddressRelay(context.sut.url, address).then((relay) => {
          relays.push(relay);
          return newClient(relay.url, { fromAddress: address });
        });
        fromAddress.set(address, client);
      }
      return client;
    },
    async recording(run, work) {
      record = run.record;
      try {
        return await work();
      } finally {
        await filing;
        record = undefined;
      }
    },
  };
  return {
    session,
    async close() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await Promise.allSettled(relays.map((relay) => relay.close()));
    },
  };
}

/** The first client of the partner with a secret; without one the partner cannot call at all. */
function usableClient(
  partnerId: string,
  clients: ApiClientCredentials[],
): ApiClientCredentials & { secret: string } {
  const usable = clients.find(
    (client): client is ApiClientCredentials & { secret: string } => client.secret !== undefined,
  );
  if (usable) return usable;
  const named = clients.map((client) => client.variable).join(' or ') || 'a client secret';
  throw new Error(
    `partner ${partnerId} has no API client secret: set ${named} to the secret the SUT holds`,
  );
}
