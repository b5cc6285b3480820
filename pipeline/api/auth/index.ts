/**
 * The partner API's security layer: OAuth2 client credentials and what guards every /v1 route.
 *
 * The pipeline builds one `ApiAuth` (see createPipeline's `apiAuth`) and mounts
 * `POST /oauth/token`. A /v1 route takes, in this order:
 *
 *   router.get('/v1/orders', apiAuth.requireApiScope('orders:read'), apiAuth.rateLimit(), handler)
 *
 * - `requireApiScope(scope)`: a valid Bearer token from /oauth/token (401 invalid_token or
 *   token_expired otherwise), the caller inside the partner's ip_allowlist (403 ip_not_allowed),
 *   the scope among the token's (403 insufficient_scope). Then `req.apiClient` is
 *   `{ partnerId, clientId, scopes, tokenId }`: the handler reads the partner from there, never
 *   from the request. Use it on the route (not router.use) so the metric's `route` label is the
 *   route's pattern.
 * - `rateLimit()`: the client's budget from the profile's `rate_limit`, shared by every worker;
 *   429 rate_limited with Retry-After when over, RateLimit-* and X-RateLimit-* headers always.
 *
 * Every refusal has the pipeline's error body, is logged with partner, client and source address,
 * and is counted in b2b_api_requests_total{partner_id,route,status,code}.
 */
export { createApiAuth, type ApiAuth, type ApiAuthDeps } from './apiAuth.js';
export {
  apiClientSecrets,
  resolveApiClients,
  DEFAULT_TOKEN_TTL_S,
  type ApiClient,
  type ApiClients,
  type DisabledApiClient,
} from './apiClients.js';
export { TOKEN_AUDIENCE, TOKEN_ISSUER } from './accessToken.js';
export type { ApiCaller } from './requireApiScope.js';
export { TOKEN_ROUTE, type TokenAnswer } from './tokenEndpoint.js';
