import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { acceptedSchemes, type PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { PIPELINE_ERRORS } from '../http/errors.js';
import { sendError } from '../http/sendError.js';
import { parseUtcTimestamp } from '../mapping/utcTimestamp.js';
import { JOB_STATES, type JobState } from '../jobs/job.js';
import type { Store } from '../store/store.js';
import {
  getInboxEvent,
  getOrder,
  listAlerts,
  listAuditBudget,
  listDeliveries,
  listInbox,
  listJobs,
  listOrderChanges,
} from './opsRecords.js';
import { PageRequestError, readPageRequest } from './pagination.js';

export interface OpsDeps {
  store: Store;
  /** Unauthenticated refusals audited in full per source and window (to show what was suppressed). */
  auditedPerWindow: number;
  profiles: Map<string, PartnerProfile>;
  secrets: Map<string, string[]>;
  /** When set, every /ops request must carry `Authorization: Bearer <token>`. */
  opsToken?: string;
}

/**
 * The ops API, one route table:
 *
 *   GET /ops/partners                          partners and how each is wired (never secrets)
 *   GET /ops/inbox                             inbox events      ?partner_id&event_id&event_type&limit&cursor
 *   GET /ops/inbox/{partner_id}/{event_id}     one event, its payload and its delivery log
 *   GET /ops/deliveries                        delivery audit    ?partner_id&event_id&correlation_id&outcome
 *   GET /ops/alerts                            alert groups      ?partner_id&kind&correlation_id
 *   GET /ops/audit-budget                      unauthenticated refusals per source and window ?source&limit
 *   GET /ops/orders/{partner_id}/{order_id}    an order and its event chain
 *   GET /ops/jobs                              background jobs   ?state&kind&partner_id&correlation_id
 *   GET /ops/order-changes                     order change feed ?partner_id&order_id&changed_since
 *
 * Filters and path keys are checked before they reach SQL (length, no NUL or unpaired
 * surrogate): a bad one is a 400 naming it, never a store error.
 */
export function opsRouter(deps: OpsDeps): express.Router {
  const router = express.Router();
  router.use('/ops', requireOpsToken(deps.opsToken));

  router.get('/ops/partners', (_req, res) => {
    res.json({
      items: [...deps.profiles.values()].map((profile) => ({
        partner_id: profile.partner_id,
        name: profile.name,
        modes: profile.modes,
        security: profile.security,
        sla: profile.sla,
        webhook: profile.webhook
          ? {
              inbox_path: `/webhooks/${profile.partner_id}`,
              signature_schemes: acceptedSchemes(profile.webhook),
              window_s: profile.webhook.window_s,
              secrets_configured: deps.secrets.get(profile.partner_id)?.length ?? 0,
            }
          : null,
      })),
    });
  });

  router.get('/ops/inbox', async (req, res) => {
    const page = readPageRequest(req.query);
    res.json(
      await listInbox(deps.store, pick(req, ['partner_id', 'event_id', 'event_type']), page),
    );
  });

  router.get('/ops/inbox/:partnerId/:eventId', async (req, res) => {
    const record = await getInboxEvent(
      deps.store,
      lookupKey('partner_id', req.params.partnerId),
      lookupKey('event_id', req.params.eventId),
    );
    if (!record)
      return sendError(req, res, PIPELINE_ERRORS.recordNotFound, [], 'No such event in the inbox.');
    res.json(record);
  });

  router.get('/ops/deliveries', async (req, res) => {
    const page = readPageRequest(req.query);
    res.json(
      await listDeliveries(
        deps.store,
        pick(req, ['partner_id', 'event_id', 'correlation_id', 'outcome']),
        page,
      ),
    );
  });

  router.get('/ops/alerts', async (req, res) => {
    const page = readPageRequest(req.query);
    res.json(
      await listAlerts(deps.store, pick(req, ['partner_id', 'kind', 'correlation_id']), page),
    );
  });

  router.get('/ops/audit-budget', async (req, res) => {
    const { limit } = readPageRequest({ limit: req.query.limit });
    const items = await listAuditBudget(
      deps.store,
      pick(req, ['source']),
      limit,
      deps.auditedPerWindow,
    );
    res.json({ items, audited_per_window: deps.auditedPerWindow });
  });

  router.get('/ops/orders/:partnerId/:orderId', async (req, res) => {
    const order = await getOrder(
      deps.store,
      lookupKey('partner_id', req.params.partnerId),
      lookupKey('order_id', req.params.orderId),
    );
    if (!order) return sendError(req, res, PIPELINE_ERRORS.recordNotFound, [], 'No such order.');
    res.json(order);
  });

  router.get('/ops/jobs', async (req, res) => {
    const page = readPageRequest(req.query);
    const filters = pick(req, ['state', 'kind', 'partner_id', 'correlation_id']);
    if (filters.state && !JOB_STATES.includes(filters.state as JobState))
      throw new PageRequestError('state', `state must be one of ${JOB_STATES.join(', ')}`);
    res.json(await listJobs(deps.store, filters, page));
  });

  router.get('/ops/order-changes', async (req, res) => {
    const page = readPageRequest(req.query);
    const { changed_since: changedSince, ...filters } = pick(req, [
      'partner_id',
      'order_id',
      'changed_since',
    ]);
    const sinceMs = changedSince === undefined ? undefined : parseUtcTimestamp(changedSince);
    if (changedSince !== undefined && sinceMs === undefined)
      throw new PageRequestError(
        'changed_since',
        'changed_since must be a UTC ISO-8601 time ending in Z, e.g. 2026-01-15T12:00:00Z',
      );
    // To the millisecond, as the export reads its changed_since: both mean the same instant.
    const since = sinceMs === undefined ? {} : { changedSince: new Date(sinceMs).toISOString() };
    res.json(await listOrderChanges(deps.store, { ...filters, ...since }, page));
  });

  router.use('/ops', (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (error instanceof PageRequestError)
      return sendError(req, res, PIPELINE_ERRORS.badRequest, [
        { field: error.field, reason: error.message },
      ]);
    next(error);
  });
  return router;
}

function pick<K extends string>(req: Request, names: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = req.query[name];
    if (typeof value === 'string') out[name] = lookupKey(name, value);
  }
  return out;
}

/** Longest filter or key the ops API looks up: beyond every id the pipeline stores. */
const MAX_KEY_LENGTH = 512;

/** A filter value or path key that SQL can compare: bounded text with no NUL or lone surrogate. */
function lookupKey(field: string, value: string | undefined): string {
  const text = value ?? '';
  // eslint-disable-next-line no-control-regex
  if (text.length > MAX_KEY_LENGTH || /\u0000|\p{Cs}/u.test(text))
    throw new PageRequestError(
      field,
      `${field} must be at most ${MAX_KEY_LENGTH} characters of text without NUL`,
    );
  return text;
}

function requireOpsToken(token: string | undefined) {
  const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!expected) return next();
    const offered = Buffer.from(req.get('authorization') ?? '');
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="b2b-ops"');
    sendError(req, res, PIPELINE_ERRORS.unauthorized);
  };
}
