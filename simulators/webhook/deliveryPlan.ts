import type { SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import {
  STANDARD_WEBHOOKS_HEADERS,
  signStandardWebhooks,
} from '../../contracts/signatures/standardWebhooks.js';
import { X_SIGNATURE_HEADER, signXSignature } from '../../contracts/signatures/xSignature.js';

/**
 * How the sender thinks about a send: a plan of waves. Waves go out one after another; the
 * deliveries inside a wave go out at the same time. Faults rewrite the plan before anything is
 * signed or sent, which keeps each fault a small pure function.
 *
 *   events ──> plan [[e1], [e2]] ──fault──> [[e1], [e1'], [e2]] ──sign──> HTTP
 */
export interface DeliverySpec {
  eventId: string;
  /** The bytes the signature covers. */
  signedBody: Buffer;
  /** The bytes put on the wire: differ from signedBody only when a fault tampers with them. */
  body: Buffer;
  /** The secret signing this delivery (a fault may swap it). */
  secret: string;
  /** The signature timestamp, unix seconds (a fault may move it). */
  timestampS: number;
  scheme: SignatureScheme;
  /** Headers a fault removed. */
  omitHeaders: string[];
  /** Names of the faults that shaped this delivery. */
  faults: string[];
}

export type Wave = DeliverySpec[];
export type DeliveryPlan = Wave[];

export function withFault(
  spec: DeliverySpec,
  fault: string,
  change: Partial<DeliverySpec> = {},
): DeliverySpec {
  return { ...spec, ...change, faults: [...spec.faults, fault] };
}

/** The signature headers of a delivery, minus any a fault removed. */
export function signedHeaders(spec: DeliverySpec): Record<string, string> {
  const headers: Record<string, string> =
    spec.scheme === 'x-signature'
      ? { [X_SIGNATURE_HEADER]: signXSignature(spec.secret, spec.timestampS, spec.signedBody) }
      : {
          [STANDARD_WEBHOOKS_HEADERS.id]: spec.eventId,
          [STANDARD_WEBHOOKS_HEADERS.timestamp]: String(spec.timestampS),
          [STANDARD_WEBHOOKS_HEADERS.signature]: signStandardWebhooks(
            spec.secret,
            spec.eventId,
            spec.timestampS,
            spec.signedBody,
          ),
        };
  for (const name of spec.omitHeaders) delete headers[name.toLowerCase()];
  return headers;
}

export function signatureHeaderOf(scheme: SignatureScheme): string {
  return scheme === 'x-signature' ? X_SIGNATURE_HEADER : STANDARD_WEBHOOKS_HEADERS.signature;
}
