import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { InboxAcceptance } from '../../contracts/webhooks/orderEvent.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { clientErrorSpec, PIPELINE_ERRORS } from '../http/errors.js';
import { sendError } from '../http/sendError.js';
import type { DeliveryOutcome } from '../inbox/delivery.js';
import type { InboxWriter } from '../inbox/inboxWriter.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { isUnstorableValue, sqlState } from '../store/storeErrors.js';
import { readOrderEvent } from './readOrderEvent.js';
import { refuseDelivery } from './refuseDelivery.js';
import { verifyWebhookSignature } from './verifyWebhookSignature.js';

export interface WebhookInboxDeps {
  profiles: Map<string, PartnerProfile>;
  secrets: Map<string, string[]>;
  inbox: InboxWriter;
  metrics: PipelineMetrics;
  logger: Logger;
  clock: Clock;
  maxBodyBytes: number;
  redactText(text: string): string;
  redactJson<T>(value: T): T;
}

/**
 * `POST /webhooks/{partner_id}`: the webhook inbox.
 *
 *   partner known? ─> JSON? ─> body ≤ limit? ─> signature + window ─> limits, contract, mapping ─> inbox
 *        404            415          413                401 + alert        400/422 + alert           200 / 409
 *
 * Every request gets a deliberate answer: a path express cannot decode or a body it cannot read
 * is a 4xx like any other refusal. Every refusal is audited (webhook_deliveries) before the answer
 * goes out, those before authentication within a per-source bound; nothing a refused request
 * carried is processed.
 */
export function webhookInboxRouter(deps: WebhookInboxDeps): express.Router {
  const router = express.Router();
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const refuse = refuseDelivery(deps);

  const knownWebhookPartner = (req: Request, res: Response, next: NextFunction) => {
    res.locals.started = performance.now();
    const profile = deps.profiles.get(req.params.partnerId as string);
    const unauthenticated = { unauthenticated: true };
    if (!profile)
      return void refuse(req, res, PIPELINE_ERRORS.partnerNotFound, 'no such partner', {
        ...unauthenticated,
      }).catch(next);
    if (!profile.webhook)
      return void refuse(
        req,
        res,
        PIPELINE_ERRORS.webhookNotEnabled,
        'partner has no webhook mode',
        unauthenticated,
      ).catch(next);
    if (!req.is('application/json')) {
      return void refuse(
        req,
        res,
        PIPELINE_ERRORS.unsupportedMediaType,
        `content-type ${describeContentType(req.get('content-type'))}`,
        unauthenticated,
      ).catch(next);
    }
    res.locals.profile = profile;
    next();
  };

  /** Anything express or the body reader refused with a 4xx: a path it cannot decode, a body it cannot read. */
  const unreadableRequest = (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const spec = clientErrorSpec(error);
    if (!spec || !req.path.startsWith('/webhooks/')) return next(error);
    const type = (error as { type?: unknown }).type;
    const reason =
      spec === PIPELINE_ERRORS.payloadTooLarge
        ? `body over ${deps.maxBodyBytes} bytes`
        : error instanceof URIError
          ? 'path is not valid percent-encoding'
          : `request could not be read (${typeof type === 'string' ? type : spec.status})`;
    refuse(req, res, spec, reason, { unauthenticated: true }).catch(next);
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
        unauthenticated: true,
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

    const read = readOrderEvent(profile, body, { nowMs: deps.clock.now() });
    if (!read.ok) {
      return refuse(
        req,
        res,
        read.error,
        `${read.error.code}: ${JSON.stringify(read.details).slice(0, 500)}`,
        {
          unauthenticated: false,
          scheme: signature.scheme,
          details: read.details,
          alert: {
            kind:
              read.error === PIPELINE_ERRORS.versionFromFuture
                ? 'webhook.version_from_future'
                : 'webhook.invalid_event',
            severity: 'warning',
            message: `${profile.partner_id}: a correctly signed webhook was refused: ${read.error.message}`,
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
        { unauthenticated: false, scheme: signature.scheme, eventId: read.event.event_id },
      );
    }

    let outcome: DeliveryOutcome;
    try {
      outcome = await deps.inbox.submit({
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
        source: req.socket.remoteAddress ?? 'unknown',
      });
    } catch (error) {
      // The net under the input checks: a value the store cannot hold is the payload's fault.
      if (!isUnstorableValue(error)) throw error;
      return refuse(
        req,
        res,
        PIPELINE_ERRORS.invalidEvent,
        `the store cannot hold a value of this event (SQLSTATE ${sqlState(error)})`,
        { unauthenticated: false, scheme: signature.scheme, eventId: read.event.event_id },
      );
    }
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

  router.post('/webhooks/:partnerId', knownWebhookPartner, rawBody, receive);
  router.use(unreadableRequest);
  return router;
}

/** A content type as the audit shows it: bounded, printable. */
function describeContentType(value: string | undefined): string {
  if (value === undefined) return 'missing';
  return JSON.stringify(value.slice(0, 100));
}
