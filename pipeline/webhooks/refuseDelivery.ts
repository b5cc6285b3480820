import { performance } from 'node:perf_hooks';
import type { Request, Response } from 'express';
import type { PartnerProfile, SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { PipelineErrorSpec } from '../http/errors.js';
import { sendError } from '../http/sendError.js';
import type { AlertDraft } from '../inbox/delivery.js';
import type { InboxWriter } from '../inbox/inboxWriter.js';
import type { PipelineMetrics } from '../observability/metrics.js';

export interface RefusalDeps {
  profiles: Map<string, PartnerProfile>;
  inbox: InboxWriter;
  metrics: PipelineMetrics;
  logger: Logger;
  clock: Clock;
  /** Every audit reason and alert detail passes through here before it is stored or logged. */
  redactText(text: string): string;
  redactJson<T>(value: T): T;
}

export interface Refusal {
  /**
   * The request was refused before the partner was authenticated: its audit row is written only
   * within the per-source bound (InboxPolicy); beyond it, the refusal is only counted.
   */
  unauthenticated: boolean;
  eventId?: string;
  scheme?: SignatureScheme;
  alert?: AlertDraft;
  /** Shown to the caller in the error body: field and rule, never a value. */
  details?: Record<string, unknown>[];
}

export type RefuseDelivery = (
  req: Request,
  res: Response,
  spec: PipelineErrorSpec,
  reason: string,
  refusal: Refusal,
) => Promise<void>;

/**
 * How the webhook inbox says no: the refusal is audited (and its alert raised) in the store
 * before the answer goes out, counted in the metrics and logged, all with the same redacted
 * reason. Used by the route and by its handler for requests express could not even route.
 */
export function refuseDelivery(deps: RefusalDeps): RefuseDelivery {
  return async (req, res, spec, reason, refusal) => {
    const started = (res.locals.started as number | undefined) ?? performance.now();
    const partnerId = auditPartnerId(deps.profiles, req.params?.partnerId, req.path);
    const safeReason = deps.redactText(reason);
    const alert = refusal.alert && {
      ...refusal.alert,
      message: deps.redactText(refusal.alert.message),
      details: deps.redactJson(refusal.alert.details),
    };
    const outcome = await deps.inbox.submit({
      kind: 'refusal',
      partnerId,
      eventId: refusal.eventId,
      correlationId: req.correlationId,
      httpStatus: spec.status,
      errorCode: spec.code,
      reason: safeReason,
      scheme: refusal.scheme,
      receivedAt: new Date(deps.clock.now()),
      alert,
      source: req.socket.remoteAddress ?? 'unknown',
      unauthenticated: refusal.unauthenticated,
    });
    const label = deps.profiles.has(partnerId) ? partnerId : 'unknown';
    const audited = outcome.outcome !== 'refused' || outcome.audited;
    deps.metrics.webhookDeliveries.inc({ partner_id: label, outcome: 'refused', code: spec.code });
    deps.metrics.webhookIngestSeconds.observe(
      { partner_id: label, outcome: 'refused' },
      (performance.now() - started) / 1000,
    );
    if (alert) deps.metrics.alertsRaised.inc({ partner_id: label, kind: alert.kind });
    if (!audited) deps.metrics.auditSuppressed.inc({ partner_id: label });
    // Beyond the audit bound the flood is counted, not narrated line by line.
    deps.logger[audited ? 'warn' : 'debug'](
      {
        partner_id: partnerId,
        correlation_id: req.correlationId,
        event_id: refusal.eventId,
        code: spec.code,
        status: spec.status,
        reason: safeReason,
        alert: alert?.kind,
        audited,
      },
      'webhook delivery refused',
    );
    if (!res.headersSent) sendError(req, res, spec, refusal.details);
  };
}

/**
 * The partner id to audit a refusal under: the real one, or the path segment made harmless
 * (also when express could not decode the path at all).
 */
function auditPartnerId(
  profiles: Map<string, PartnerProfile>,
  segment: string | string[] | undefined,
  path: string,
): string {
  const text = Array.isArray(segment)
    ? segment.join('/')
    : (segment ?? path.replace(/^\/webhooks\/?/, ''));
  if (profiles.has(text)) return text;
  return `unknown:${text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}`;
}
