import { projectPath } from '../../../lib/projectPaths.js';

/**
 * What the partner API's pact is made of, shared by the consumer test that writes it, the provider
 * verification that replays it against the real pipeline, and the check against the OpenAPI
 * document. The consumer is the partner simulator's API client (simulators/api/), the provider the
 * pipeline's partner API.
 *
 *   consumer test ──> pact (contracts/pacts/) ──┬──> provider verification (real pipeline, states)
 *   (real client vs Pact's mock server)          └──> openapi-pact-comparator vs contracts/api/openapi.json
 *
 * Every value in the pact is fixed here (credentials, tokens, cursor, ids), so the committed file
 * is the same on every run. None of them is a real secret: the provider's request filter swaps the
 * example credentials and tokens for real ones at verification time.
 */
export const CONSUMER = 'b2b-partner-api-client';
export const PROVIDER = 'b2b-partner-api';
export const PACT_FILE = projectPath('contracts', 'pacts', `${CONSUMER}-${PROVIDER}.json`);

export const CLIENT_ID = 'acme-orders';
/** The secret the consumer test authenticates with; the filter replaces its Basic header. */
export const EXAMPLE_SECRET = 'pact-example-secret-not-real';
/** A secret that is not the client's: the invalid_client interaction keeps it. */
export const WRONG_SECRET = 'pact-wrong-secret-not-real';
export const BOTH_SCOPES = 'orders:read orders:write';
export const READ_SCOPE = 'orders:read';

export function basicCredentials(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

const header = Buffer.from('{"alg":"EdDSA","kid":"pact-example","typ":"at+jwt"}').toString(
  'base64url',
);
const claims = (scope: string) =>
  Buffer.from(
    JSON.stringify({ sub: CLIENT_ID, client_id: CLIENT_ID, partner_id: 'p_001', scope }),
  ).toString('base64url');
const signature = (text: string) => Buffer.from(text.padEnd(64, '.')).toString('base64url');

/** The token the token endpoint answers in the pact; the filter swaps it for a fresh real one. */
export const EXAMPLE_TOKEN = `${header}.${claims(BOTH_SCOPES)}.${signature('example')}`;
/** The same for a token of orders:read only. */
export const READ_ONLY_TOKEN = `${header}.${claims(READ_SCOPE)}.${signature('read-only')}`;
/** A token the pipeline did not issue: kept as it is, so the pipeline must refuse it. */
export const FORGED_TOKEN = `${header}.${claims(BOTH_SCOPES)}.${signature('forged')}`;

/** The first page's next_cursor in the pact; the provider state gives the real one. */
export const EXAMPLE_CURSOR = 'eyJleGFtcGxlIjoicGFjdCJ9.cGFjdC1leGFtcGxlLWN1cnNvcg';

/** Provider states, by what they promise. */
export const STATES = {
  client: 'acme-orders is a client of p_001 granted orders:read and orders:write',
  twoOrders: 'p_001 has the orders pact-order-1 and pact-order-2',
  firstPageRead: 'p_001 has the orders pact-order-1 and pact-order-2 and has read the first page',
  noOrder: 'p_001 has no order pact-order-3',
  orderCreated: 'p_001 created pact-order-4 with the Idempotency-Key pact-key-4',
  budgetSpent: 'acme-orders has used up its rate limit',
} as const;
