import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PartnerProfile, SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import type { InboxAcceptance } from '../../contracts/webhooks/orderEvent.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { PIPELINE_ERRORS, type PipelineErrorSpec } from '../http/errors.js';
import { sendError } from '../http/sendError.js';
import type { AlertDraft, DeliveryOutcome } from '../inbox/delivery.js';
import type { InboxWriter } from '../inbox/inboxWriter.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { readOrderEvent } from './readOrderEvent.js';
import { verifyWebhookSignature } from './verifyWebhookSignature.js';

export interface WebhookInboxDeps {
  profiles: Map<string, PartnerProfile>;
  secrets: Map<string, string[]>;
  inbox: InboxWriter;
  metrics: PipelineMetrics;
  logger: Logger;
  clock: Clock;
  maxBodyBytes: number;
}

interface Refusal {
  eventId?: string;
  scheme?: SignatureScheme;
  alert?: AlertDraft;
  details?: Record<string, unknown>[];
}

/**
 * `POST /webhooks/{partner_id}`: the webhook inbox.
 *
 *   partner known? ─> JSON? ─> body ≤ limit? ─> signature + window ─> event contract + mapping ─> inbox
 *        404            415          413                401 + alert         400/422 + alert      200 / 409
 *
 * Every refusal is audited (webhook_deliveries) before the answer goes out; nothing a refused
 * request carried is processed.
 */
export function webhookInboxRouter(deps: WebhookInboxDeps): express.Router {
  const router = express.Router();
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  const refuse = async (
    req: Request,
    res: Response,
    spec: PipelineErrorSpec,
    reason: string,
    refusal: Refusal = {},
  ) => {
    const started = res.locals.started as number;
    const partnerId = auditPartnerId(deps.profiles, req.params.partnerId);
    const outcome = await deps.inbox.submit({
      kind: 'refusal',
      partnerId,
      eventId: refusal.eventId,
      correlationId: req.correlationId,
      httpStatus: spec.status,
      errorCode: spec.code,
      reason,
      scheme: refusal.scheme,
      receivedAt: new Date(deps.clock.now()),
      alert: refusal.alert,
    });
    const label = deps.profiles.has(partnerId) ? partnerId : 'unknown';
    deps.metrics.webhookDeliveries.inc({ partner_id: label, outcome: 'refused', code: spec.code });
    deps.metrics.webhookIngestSeconds.observe(
      { partner_id: label, outcome: 'refused' },
      (performance.now() - started) / 1000,
    );
    if (refusal.alert)
      deps.metrics.alertsRaised.inc({ partner_id: label, kind: refusal.alert.kind });
    deps.logger.warn(
      {
        partner_id: partnerId,
        correlation_id: req.correlationId,
        event_id: refusal.eventId,
        code: spec.code,
        status: spec.status,
        reason,
        alert: refusal.alert?.kind,
        outcome: outcome.outcome,
      },
      'webhook delivery refused',
    );
    sendError(req, res, spec, refusal.details);
  };

  const knownWebhookPartner = (req: Request, res: Response, next: NextFunction) => {
    res.locals.started = performance.now();
    const profile = deps.profiles.get(req.params.partnerId as string);
    if (!profile)
      return void refuse(req, res, PIPELINE_ERRORS.partnerNotFound, 'no such partner').catch(next);
    if (!profile.webhook)
      return void refuse(
        req,
        res,
        PIPELINE_ERRORS.webhookNotEnabled,
        'partner has no webhook mode',
      ).catch(next);
    if (!req.is('application/json')) {
      return void refuse(
        req,
        res,
        PIPELINE_ERRORS.unsupportedMediaType,
        `content-type ${req.get('content-type') ?? 'missing'}`,
      ).catch(next);
    }
    res.locals.profile = profile;
    next();
  };

  const bodyRefused = (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      return void refuse(
        req,
        res,
        PIPELINE_ERRORS.payloadTooLarge,
        `body over ${deps.maxBodyBytes} bytes`,
      ).catch(next);
    }
    if (
      type === 'request.aborted' ||
      type === 'request.size.invalid' ||
      type === 'encoding.unsupported'
    ) {
      return void refuse(
        req,
        res,
        PIPELINE_ERRORS.badRequest,
        `body could not be read (${type})`,
      ).catch(next);
    }
    next(error);
  };

  const receive = async (req: Request, res: Response) => {
    const profile = res.locals.profile as PartnerProfile;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = verifyWebhookSignature({
      profile,
      secrets: deps.secrets.get(profile.partner_id) ?? [],
      headers: req.headers,
      body,
      nowS: Math.floor(deps.clock.now() / 1000),
    });
    if (!signature.ok) {
      const late = signature.failure === 'expired' || signature.failure === 'future';
      return refuse(req, res, signature.error, signature.detail, {
        scheme: signature.scheme,
        alert: {
          kind: late ? 'webhook.signature_expired' : 'webhook.signature_invalid',
          severity: late ? 'warning' : 'critical',
          message: `${profile.partner_id}: webhook refused, ${signature.detail}`,
          details: {
            failure: signature.failure,
            scheme: signature.scheme ?? null,
            error_code: signature.error.code,
          },
        },
      });
    }

    const read = readOrderEvent(profile, body);
    if (!read.ok) {
      return refuse(
        req,
        res,
        read.error,
        `${read.error.code}: ${JSON.stringify(read.details).slice(0, 500)}`,
        {
          scheme: signature.scheme,
          details: read.details,
          alert: {
            kind: 'webhook.invalid_event',
            severity: 'warning',
            message: `${profile.partner_id}: a correctly signed webhook did not match the event contract`,
            details: { error_code: read.error.code, problems: read.details.slice(0, 10) },
          },
        },
      );
    }
    if (signature.messageId !== undefined && signature.messageId !== read.event.event_id) {
      return refuse(
        req,
        res,
        PIPELINE_ERRORS.eventIdMismatch,
        `webhook-id ${signature.messageId} vs event_id ${read.event.event_id}`,
        {
          scheme: signature.scheme,
          eventId: read.event.event_id,
        },
      );
    }

    const outcome: DeliveryOutcome = await deps.inbox.submit({
      kind: 'event',
      partnerId: profile.partner_id,
      eventId: read.event.event_id,
      eventType: read.event.type,
      occurredAt: read.event.occurred_at,
      payloadText: body.toString('utf8'),
      payloadSha256: read.payloadSha256,
      order: read.order,
      correlationId: req.correlationId,
      scheme: signature.scheme,
      receivedAt: new Date(deps.clock.now()),
    });
    const started = res.locals.started as number;
    deps.metrics.webhookDeliveries.inc({
      partner_id: profile.partner_id,
      outcome: outcome.outcome,
      code: outcome.outcome === 'conflict' ? 'event_conflict' : '',
    });
    deps.metrics.webhookIngestSeconds.observe(
      { partner_id: profile.partner_id, outcome: outcome.outcome },
      (performance.now() - started) / 1000,
    );
    const logFields = {
      partner_id: profile.partner_id,
      correlation_id: req.correlationId,
      event_id: read.event.event_id,
      event_type: read.event.type,
      order_id: read.order.order_id,
      outcome: outcome.outcome,
      effect: outcome.outcome === 'processed' ? outcome.effect : undefined,
    };
    if (outcome.outcome === 'conflict') {
      deps.metrics.alertsRaised.inc({
        partner_id: profile.partner_id,
        kind: 'webhook.event_conflict',
      });
      deps.logger.warn(
        logFields,
        'webhook event conflict: same event_id, different payload; not applied',
      );
      return sendError(req, res, PIPELINE_ERRORS.eventConflict, [
        {
          event_id: read.event.event_id,
          stored_sha256: outcome.storedSha256,
          received_sha256: read.payloadSha256,
        },
      ]);
    }
    if (outcome.outcome === 'refused') throw new Error('the inbox refused an accepted event');
    deps.logger.info(
      logFields,
      outcome.outcome === 'replayed'
        ? 'webhook event replayed: already processed, nothing changed'
        : 'webhook event processed',
    );
    const answer: InboxAcceptance = {
      status: outcome.outcome,
      event_id: read.event.event_id,
      correlation_id: req.correlationId,
      ...(outcome.outcome === 'processed' ? { effect: outcome.effect } : {}),
    };
    res.status(200).json(answer);
  };

  router.post('/webhooks/:partnerId', knownWebhookPartner, rawBody, bodyRefused, receive);
  return router;
}

/** The partner id to audit a refusal under: the real one, or the path segment made harmless. */
function auditPartnerId(
  profiles: Map<string, PartnerProfile>,
  segment: string | string[] | undefined,
): string {
  const text = Array.isArray(segment) ? segment.join('/') : (segment ?? '');
  if (profiles.has(text)) return text;
  return `unknown:${text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}`;
}
