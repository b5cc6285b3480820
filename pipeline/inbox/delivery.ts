import type { SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import type { OrderSnapshot } from '../orders/orderSnapshot.js';

/** A verified, well-formed event ready for the inbox. */
export interface EventDelivery {
  kind: 'event';
  partnerId: string;
  eventId: string;
  eventType: string;
  occurredAt: string;
  payloadText: string;
  payloadSha256: string;
  order: OrderSnapshot;
  correlationId: string;
  scheme: SignatureScheme;
  receivedAt: Date;
  /** The peer address the delivery came from, for the audit. */
  source?: string;
}

/** Something an operator must look at, raised in the same transaction as the audit row. */
export interface AlertDraft {
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  details: Record<string, unknown>;
}

/** A delivery the inbox refused: only its audit (and maybe an alert) is stored. */
export interface RefusedDelivery {
  kind: 'refusal';
  partnerId: string;
  eventId?: string;
  correlationId: string;
  httpStatus: number;
  errorCode: string;
  reason: string;
  payloadSha256?: string;
  scheme?: string;
  receivedAt: Date;
  alert?: AlertDraft;
  /** The peer address the request came from: the audit names it, and floods are bounded by it. */
  source?: string;
  /**
   * Refused before the partner was authenticated (unknown partner, bad signature, unreadable
   * request): audited in full only within a bound per source (see InboxPolicy); beyond it, only
   * counted, so a flood cannot grow the audit without limit.
   */
  unauthenticated?: boolean;
}

export type InboxSubmission = EventDelivery | RefusedDelivery;

export type DeliveryOutcome =
  | { outcome: 'processed'; effect: 'applied' | 'superseded' }
  | { outcome: 'replayed' }
  | { outcome: 'conflict'; storedSha256: string }
  | { outcome: 'refused'; alertRaised: boolean; audited: boolean };
