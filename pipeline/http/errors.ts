import type { ErrorBody } from '../../contracts/http/errorBody.js';

/**
 * The playbook's error taxonomy: what kind of "no" it is, and so what the caller should do.
 *   authentication  fix the credentials or the signature; retrying as is will not help
 *   validation      the request itself is wrong (malformed, over a limit, a field out of contract)
 *   policy          well-formed but refused by a rule of the partner's profile (e.g. clock skew)
 *   conflict        contradicts what was received before
 *   not_found       no such partner, endpoint or record
 *   rate_limited    over the partner's request budget; retry after the Retry-After seconds
 *   server          our side failed; retry with backoff
 */
export type ErrorCategory =
  'authentication' | 'validation' | 'policy' | 'conflict' | 'not_found' | 'rate_limited' | 'server';

/**
 * Every way the pipeline's HTTP surface can say no, as one table: status, taxonomy category,
 * stable code, message id (for the error catalogue a partner is given) and the sentence a person
 * reads.
 */
export const PIPELINE_ERRORS = {
  partnerNotFound: {
    status: 404,
    category: 'not_found',
    code: 'partner_not_found',
    messageId: 'PTN-404',
    message: 'No partner with this id.',
  },
  webhookNotEnabled: {
    status: 404,
    category: 'not_found',
    code: 'webhook_not_enabled',
    messageId: 'WHK-404',
    message: 'This partner does not send webhooks.',
  },
  unsupportedMediaType: {
    status: 415,
    category: 'validation',
    code: 'unsupported_media_type',
    messageId: 'GEN-415',
    message: 'Send the event as application/json.',
  },
  payloadTooLarge: {
    status: 413,
    category: 'validation',
    code: 'payload_too_large',
    messageId: 'GEN-413',
    message: 'The body is larger than this endpoint accepts.',
  },
  signatureMissing: {
    status: 401,
    category: 'authentication',
    code: 'signature_missing',
    messageId: 'WHK-001',
    message: 'The request carries no webhook signature.',
  },
  signatureMalformed: {
    status: 401,
    category: 'authentication',
    code: 'signature_malformed',
    messageId: 'WHK-002',
    message: 'The webhook signature header cannot be read.',
  },
  signatureInvalid: {
    status: 401,
    category: 'authentication',
    code: 'signature_invalid',
    messageId: 'WHK-003',
    message: 'The webhook signature does not match the body.',
  },
  signatureExpired: {
    status: 401,
    category: 'authentication',
    code: 'signature_expired',
    messageId: 'WHK-004',
    message: 'The webhook was signed outside the replay window.',
  },
  signatureFromFuture: {
    status: 401,
    category: 'authentication',
    code: 'signature_from_future',
    messageId: 'WHK-005',
    message: 'The webhook is signed with a timestamp too far in the future.',
  },
  schemeNotAccepted: {
    status: 401,
    category: 'authentication',
    code: 'signature_scheme_not_accepted',
    messageId: 'WHK-006',
    message: 'This partner is not set up for this signature scheme.',
  },
  malformedJson: {
    status: 400,
    category: 'validation',
    code: 'malformed_json',
    messageId: 'GEN-400',
    message: 'The body is not valid JSON.',
  },
  invalidEvent: {
    status: 422,
    category: 'validation',
    code: 'invalid_event',
    messageId: 'WHK-422',
    message: 'The event does not match the contract.',
  },
  eventIdMismatch: {
    status: 422,
    category: 'validation',
    code: 'event_id_mismatch',
    messageId: 'WHK-423',
    message: 'webhook-id and the body event_id differ.',
  },
  versionFromFuture: {
    status: 422,
    category: 'policy',
    code: 'version_from_future',
    messageId: 'WHK-424',
    message:
      "The order's last-modified time is later than our clock allows; it would supersede every genuine update.",
  },
  eventConflict: {
    status: 409,
    category: 'conflict',
    code: 'event_conflict',
    messageId: 'WHK-409',
    message: 'This event id was already received with a different payload.',
  },
  routeNotFound: {
    status: 404,
    category: 'not_found',
    code: 'route_not_found',
    messageId: 'GEN-404',
    message: 'No such endpoint.',
  },
  recordNotFound: {
    status: 404,
    category: 'not_found',
    code: 'not_found',
    messageId: 'OPS-404',
    message: 'No such record.',
  },
  unauthorized: {
    status: 401,
    category: 'authentication',
    code: 'unauthorized',
    messageId: 'OPS-401',
    message: 'A valid ops token is required.',
  },
  badRequest: {
    status: 400,
    category: 'validation',
    code: 'bad_request',
    messageId: 'GEN-401',
    message: 'The request is invalid.',
  },
  // The partner API's token endpoint (RFC 6749 §5.2 codes, in our body shape) and its guard.
  tokenRequestInvalid: {
    status: 400,
    category: 'validation',
    code: 'invalid_request',
    messageId: 'AUT-400',
    message:
      'The token request is malformed: send grant_type (and scope) as application/x-www-form-urlencoded, each once, and one client authentication.',
  },
  unsupportedGrantType: {
    status: 400,
    category: 'validation',
    code: 'unsupported_grant_type',
    messageId: 'AUT-402',
    message: 'Only grant_type=client_credentials is supported.',
  },
  invalidScope: {
    status: 400,
    category: 'validation',
    code: 'invalid_scope',
    messageId: 'AUT-403',
    message: 'The scope asked for is malformed or not granted to this client.',
  },
  invalidClient: {
    status: 401,
    category: 'authentication',
    code: 'invalid_client',
    messageId: 'AUT-401',
    message: 'Client authentication failed: unknown or disabled client, or wrong secret.',
  },
  invalidToken: {
    status: 401,
    category: 'authentication',
    code: 'invalid_token',
    messageId: 'AUT-411',
    message: 'A valid bearer access token from POST /oauth/token is required.',
  },
  tokenExpired: {
    status: 401,
    category: 'authentication',
    code: 'token_expired',
    messageId: 'AUT-412',
    message: 'The access token has expired; request a new one.',
  },
  insufficientScope: {
    status: 403,
    category: 'policy',
    code: 'insufficient_scope',
    messageId: 'AUT-413',
    message: 'The access token does not carry the scope this endpoint requires.',
  },
  ipNotAllowed: {
    status: 403,
    category: 'policy',
    code: 'ip_not_allowed',
    messageId: 'AUT-414',
    message: "The request comes from an address outside the partner's IP allowlist.",
  },
  rateLimited: {
    status: 429,
    category: 'rate_limited',
    code: 'rate_limited',
    messageId: 'API-429',
    message: "Over the client's request budget; retry after the Retry-After seconds.",
  },
  unavailable: {
    status: 503,
    category: 'server',
    code: 'unavailable',
    messageId: 'GEN-503',
    message: 'The pipeline cannot reach its store; retry later.',
  },
  internal: {
    status: 500,
    category: 'server',
    code: 'internal_error',
    messageId: 'GEN-500',
    message: 'Something went wrong on our side.',
  },
} as const;

export type PipelineErrorName = keyof typeof PIPELINE_ERRORS;
export type PipelineErrorSpec = (typeof PIPELINE_ERRORS)[PipelineErrorName];

export function errorBody(
  spec: PipelineErrorSpec,
  correlationId: string,
  details?: Record<string, unknown>[],
  message?: string,
): ErrorBody {
  return {
    error: {
      code: spec.code,
      category: spec.category,
      message_id: spec.messageId,
      message: message ?? spec.message,
      correlation_id: correlationId,
      ...(details && details.length > 0 ? { details } : {}),
    },
  };
}

/**
 * The answer for an error express or its body reader raised with a 4xx status (http-errors'
 * `status`), e.g. a path that is not valid percent-encoding: the client's mistake, never a 500.
 * Undefined for anything else.
 */
export function clientErrorSpec(error: unknown): PipelineErrorSpec | undefined {
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (status === 413) return PIPELINE_ERRORS.payloadTooLarge;
  if (status === 415) return PIPELINE_ERRORS.unsupportedMediaType;
  return PIPELINE_ERRORS.badRequest;
}
