import type { SignatureScheme } from '../../../contracts/partners/partnerProfile.js';
import { verifyStandardWebhooks } from '../../../contracts/signatures/standardWebhooks.js';
import type { SignatureCheck } from '../../../contracts/signatures/signatureCheck.js';
import { verifyXSignature } from '../../../contracts/signatures/xSignature.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import {
  signedHeaders,
  type DeliveryPlan,
  type DeliverySpec,
} from '../../../simulators/webhook/deliveryPlan.js';
import type { FaultContext } from '../../../simulators/webhook/faults/index.js';
import { partnerEventBody } from '../../../simulators/webhook/partnerEvent.js';

/** Shared by fault tests: one partner secret, a fixed "now" and the receiver's replay window. */
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const NOW_S = 1_700_000_000;
export const WINDOW_S = 300;

export function context(seed = 7): FaultContext {
  return { nowS: NOW_S, windowS: WINDOW_S, random: seededRandom(seed) };
}

export function spec(eventId: string, scheme: SignatureScheme = 'x-signature'): DeliverySpec {
  const body = partnerEventBody({
    eventId,
    type: 'order.created',
    occurredAt: '2023-11-14T22:13:20.000Z',
    order: { OrderNumber: `A-${eventId}`, TotalGross: 1999, CurrencyCode: 'EUR' },
  });
  return {
    eventId,
    signedBody: body,
    body,
    secret: SECRET,
    timestampS: NOW_S,
    scheme,
    omitHeaders: [],
    faults: [],
  };
}

/** One wave per event, as WebhookSender plans them. */
export function plan(eventIds: string[], scheme: SignatureScheme = 'x-signature'): DeliveryPlan {
  return eventIds.map((eventId) => [spec(eventId, scheme)]);
}

/** What the receiver would conclude about a delivery: signed headers plus the body on the wire. */
export function receive(delivery: DeliverySpec, nowS = NOW_S): SignatureCheck {
  const input = {
    headers: signedHeaders(delivery),
    body: delivery.body,
    secrets: [SECRET],
    nowS,
    toleranceS: WINDOW_S,
  };
  return delivery.scheme === 'x-signature'
    ? verifyXSignature(input)
    : verifyStandardWebhooks(input);
}

export function ids(deliveryPlan: DeliveryPlan): string[][] {
  return deliveryPlan.map((wave) => wave.map((delivery) => delivery.eventId));
}
