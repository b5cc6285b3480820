import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { piiFields, type PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import type { Clock } from '../../../lib/clock.js';
import { Redactor } from '../../../lib/redact.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import { resolveApiClients } from '../../../pipeline/api/auth/index.js';
import { Journal } from '../../../simulators/journal.js';
import {
  PartnerApiClient,
  type PartnerApiClientOptions,
} from '../../../simulators/api/partnerApiClient.js';
import { clockSleeper } from '../../../simulators/api/sleeper.js';
import {
  loadTestProfiles,
  startPipelineUnderTest,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import type { Engine } from '../../support/stores.js';

export const ACME = 'p_001';
export const ACME_CLIENT = 'acme-orders';
export const RUN_ID = '20260115T120000Z-a11ce5';

/**
 * p_001 (Acme) as the partner API client meets the real pipeline: its own profile (a token lives
 * 300 s; 50 requests per second, counted in fixed windows of the pipeline's FakeClock, which moves
 * only when the partner "waits"), a fresh client secret, and a record of every credential the
 * pipeline was shown, so a test can prove none of them reached the journal.
 */
export interface ApiPartnerWorld {
  sut: PipelineUnderTest;
  profile: PartnerProfile;
  secret: string;
  /** Authorization header values the pipeline received: Basic credentials and bearer tokens. */
  credentialsSeen: string[];
  /** The run's journal: its redactor knows the PII fields, and the secret only when asked to. */
  journal: Journal;
  /** A client of p_001 on the pipeline's clock (both sides share one FakeClock). */
  client(overrides?: Partial<PartnerApiClientOptions>): PartnerApiClient;
  close(): Promise<void>;
}

export async function startApiPartnerWorld(
  engine: Engine,
  options: {
    /** Replaces p_001's api.rate_limit. */
    rateLimit?: { requests: number; per_s: number };
    /** Whether the journal's redactor is told the client secret (certify tells it). */
    redactorKnowsSecret?: boolean;
  } = {},
): Promise<ApiPartnerWorld> {
  const profiles = await loadTestProfiles();
  const acme = profiles.get(ACME) as PartnerProfile;
  if (!acme.api) throw new Error('p_001 has no api block');
  const profile: PartnerProfile = options.rateLimit
    ? { ...acme, api: { ...acme.api, rate_limit: options.rateLimit } }
    : acme;
  profiles.set(ACME, profile);
  const secret = randomBytes(24).toString('base64url');
  const apiClients = resolveApiClients(profiles, { B2B_P_001_API_CLIENT_SECRET: secret });
  const credentialsSeen: string[] = [];
  const recordCredentials: RequestHandler = (req, _res, next) => {
    const authorization = req.get('authorization');
    if (authorization) credentialsSeen.push(authorization);
    next();
  };
  const sut = await startPipelineUnderTest(engine, {
    profiles,
    apiClients,
    routesBefore: () => recordCredentials,
  });
  const journal = new Journal({
    redactor: new Redactor({
      piiFields: piiFields(profile),
      secrets: options.redactorKnowsSecret === false ? [] : [secret],
    }),
  });
  const clients: PartnerApiClient[] = [];
  const rateLimit = profile.api?.rate_limit;
  return {
    sut,
    profile,
    secret,
    credentialsSeen,
    journal,
    client(overrides = {}) {
      const client = new PartnerApiClient({
        runId: RUN_ID,
        partnerId: ACME,
        baseUrl: sut.url,
        clientId: ACME_CLIENT,
        clientSecret: secret,
        clock: sut.clock as Clock,
        sleeper: clockSleeper(sut.clock),
        journal,
        random: seededRandom(11),
        ...(rateLimit
          ? { rateLimit: { requests: rateLimit.requests, perS: rateLimit.per_s } }
          : {}),
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await sut.close();
    },
  };
}

/** Every secret and credential in `world` that must never be in a journal entry. */
export function credentialsIn(world: ApiPartnerWorld): string[] {
  const values = new Set<string>([world.secret]);
  for (const header of world.credentialsSeen) {
    const [, value] = /^\w+ +(.+)$/.exec(header) ?? [];
    if (value) values.add(value);
    if (/^basic /i.test(header) && value) values.add(Buffer.from(value, 'base64').toString('utf8'));
  }
  return [...values];
}

/** A p_001 order for POST /v1/orders. */
export function acmeOrder(orderId: string, totalAmount = 1999) {
  return { order_id: orderId, total_amount: totalAmount, currency: 'EUR' };
}
