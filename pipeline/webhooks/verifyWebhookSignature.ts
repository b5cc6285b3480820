import {
  acceptedSchemes,
  type PartnerProfile,
  type SignatureScheme,
} from '../../contracts/partners/partnerProfile.js';
import {
  headerValue,
  type SignatureCheck,
  type SignatureFailure,
} from '../../contracts/signatures/signatureCheck.js';
import {
  STANDARD_WEBHOOKS_HEADERS,
  verifyStandardWebhooks,
} from '../../contracts/signatures/standardWebhooks.js';
import { X_SIGNATURE_HEADER, verifyXSignature } from '../../contracts/signatures/xSignature.js';
import { PIPELINE_ERRORS, type PipelineErrorSpec } from '../http/errors.js';

export type WebhookSignatureResult =
  | { ok: true; scheme: SignatureScheme; messageId?: string }
  | {
      ok: false;
      scheme?: SignatureScheme;
      error: PipelineErrorSpec;
      failure: SignatureFailure | 'scheme';
      detail: string;
    };

const FAILURE_ERRORS: Record<SignatureFailure, PipelineErrorSpec> = {
  missing: PIPELINE_ERRORS.signatureMissing,
  malformed: PIPELINE_ERRORS.signatureMalformed,
  mismatch: PIPELINE_ERRORS.signatureInvalid,
  expired: PIPELINE_ERRORS.signatureExpired,
  future: PIPELINE_ERRORS.signatureFromFuture,
};

/**
 * Which scheme a request uses is read from its headers: `X-Signature` first (the playbook's), then
 * Standard Webhooks. A partner only gets the schemes its profile accepts; the replay window is the
 * profile's `window_s` for both.
 */
export function verifyWebhookSignature(input: {
  profile: PartnerProfile;
  secrets: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  nowS: number;
}): WebhookSignatureResult {
  const settings = input.profile.webhook;
  if (!settings) throw new Error(`partner ${input.profile.partner_id} has no webhook settings`);
  const scheme = schemeOf(input.headers);
  if (scheme === undefined) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.signatureMissing,
      failure: 'missing',
      detail: 'no X-Signature or webhook-signature header',
    };
  }
  if (!acceptedSchemes(settings).includes(scheme)) {
    return {
      ok: false,
      scheme,
      error: PIPELINE_ERRORS.schemeNotAccepted,
      failure: 'scheme',
      detail: `${scheme} is not accepted for ${input.profile.partner_id}`,
    };
  }
  const request = {
    headers: input.headers,
    body: input.body,
    secrets: input.secrets,
    nowS: input.nowS,
    toleranceS: settings.window_s,
  };
  const check: SignatureCheck =
    scheme === 'x-signature' ? verifyXSignature(request) : verifyStandardWebhooks(request);
  if (check.ok) return { ok: true, scheme, messageId: check.messageId };
  return {
    ok: false,
    scheme,
    error: FAILURE_ERRORS[check.failure],
    failure: check.failure,
    detail: check.detail,
  };
}

function schemeOf(
  headers: Record<string, string | string[] | undefined>,
): SignatureScheme | undefined {
  if (headerValue(headers, X_SIGNATURE_HEADER) !== undefined) return 'x-signature';
  if (
    headerValue(headers, STANDARD_WEBHOOKS_HEADERS.signature) !== undefined ||
    headerValue(headers, STANDARD_WEBHOOKS_HEADERS.id) !== undefined
  ) {
    return 'standard-webhooks';
  }
  return undefined;
}
