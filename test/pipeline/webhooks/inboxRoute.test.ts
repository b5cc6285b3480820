import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import { generateWebhookSecret } from '../../../contracts/signatures/webhookSecret.js';
import { PIPELINE_ERRORS } from '../../../pipeline/http/errors.js';
import {
  asErrorBody,
  loadTestProfiles,
  opsView,
  orderEvent,
  standardWebhooksHeaders,
  START_MS,
  startPipelineUnderTest,
  uniqueId,
  WEBHOOK_PARTNER,
  xSignatureHeaders,
  type HttpAnswer,
  type OpsView,
  type PartnerEvent,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES } from '../../support/stores.js';

const MAX_BODY_BYTES = 2048;
const WINDOW_S = 600; // p_001's webhook.window_s
/** A copy of p_001 that accepts only X-Signature (same secret variable). */
const X_ONLY_PARTNER = 'p_901';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The refusals the route can give, as a partner codes against them: status and stable code. The
 * message id is the error catalogue's (PIPELINE_ERRORS), checked to be the one that row names.
 */
const ERRORS = {
  partnerNotFound: [404, 'partner_not_found'],
  webhookNotEnabled: [404, 'webhook_not_enabled'],
  unsupportedMediaType: [415, 'unsupported_media_type'],
  payloadTooLarge: [413, 'payload_too_large'],
  badRequest: [400, 'bad_request'],
  signatureMissing: [401, 'signature_missing'],
  signatureMalformed: [401, 'signature_malformed'],
  signatureInvalid: [401, 'signature_invalid'],
  signatureExpired: [401, 'signature_expired'],
  signatureFromFuture: [401, 'signature_from_future'],
  schemeNotAccepted: [401, 'signature_scheme_not_accepted'],
  malformedJson: [400, 'malformed_json'],
  invalidEvent: [422, 'invalid_event'],
  eventIdMismatch: [422, 'event_id_mismatch'],
  versionFromFuture: [422, 'version_from_future'],
  eventConflict: [409, 'event_conflict'],
} as const;
type ErrorName = keyof typeof ERRORS;

describe.each(ENGINES)('POST /webhooks/:partnerId on $name', (engine) => {
  let sut: PipelineUnderTest;
  let ops: OpsView;

  beforeAll(async () => {
    const profiles = new Map(await loadTestProfiles());
    const acme = profiles.get(WEBHOOK_PARTNER) as PartnerProfile;
    profiles.set(X_ONLY_PARTNER, {
      ...acme,
      partner_id: X_ONLY_PARTNER,
      webhook: {
        ...(acme.webhook as NonNullable<PartnerProfile['webhook']>),
        signature_schemes: ['x-signature'],
      },
    });
    sut = await startPipelineUnderTest(engine, { profiles, maxBodyBytes: MAX_BODY_BYTES });
    ops = opsView(sut);
  });
  afterAll(async () => {
    await sut?.close();
  });

  const newEvent = (overrides: Partial<Parameters<typeof orderEvent>[0]> = {}): PartnerEvent =>
    orderEvent({
      eventId: uniqueId('evt'),
      orderId: uniqueId('ORD'),
      total: 4599,
      lastModified: '2026-01-15T11:58:00.000Z',
      ...overrides,
    });

  /** POST with a fresh, well-formed X-Correlation-Id; returns the answer and that id. */
  const post = async (
    partnerId: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ) => {
    const correlationId = uniqueId('corr');
    const answer = await sut.post(`/webhooks/${partnerId}`, body, {
      ...headers,
      'x-correlation-id': correlationId,
    });
    return { answer, correlationId };
  };

  /**
   * What every refusal must look like to the partner and to an operator: the error body of the
   * contract, the correlation id both ways, exactly one audit row and no inbox or order record.
   */
  const expectRefused = async (
    { answer, correlationId }: { answer: HttpAnswer; correlationId: string },
    name: ErrorName,
    expected: { alert?: string; event?: PartnerEvent; partnerId?: string } = {},
  ) => {
    const [status, code] = ERRORS[name];
    const messageId = PIPELINE_ERRORS[name].messageId;
    expect({ status: answer.status, body: answer.json }).toMatchObject({
      status,
      body: { error: { code } },
    });
    const body = asErrorBody(answer.json);
    expect(body.error).toMatchObject({
      code,
      message_id: messageId,
      correlation_id: correlationId,
    });
    expect(answer.headers.get('x-correlation-id')).toBe(correlationId);

    const audit = await ops.deliveries(correlationId);
    expect(audit).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        http_status: status,
        error_code: code,
        partner_id: expected.partnerId ?? WEBHOOK_PARTNER,
      }),
    ]);
    expect((await ops.alerts(correlationId)).map((alert) => alert.kind)).toEqual(
      expected.alert ? [expected.alert] : [],
    );
    if (expected.event) {
      // Under no partner at all: neither an inbox record nor an order.
      const inbox = await sut.get(`/ops/inbox?event_id=${expected.event.event_id}`);
      expect(inbox.json).toEqual({ items: [], next_cursor: null });
      const owners = new Set([
        WEBHOOK_PARTNER,
        ...(expected.partnerId?.startsWith('p_') ? [expected.partnerId] : []),
      ]);
      for (const owner of owners) {
        expect((await ops.order(expected.event.data.order.OrderNumber, owner)).status).toBe(404);
      }
    }
    return body;
  };

  describe('refusals', () => {
    it('404 partner_not_found for an unknown partner, audited under a harmless partner id', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post('p_999', body, xSignatureHeaders(sut.secret, sut.nowS(), body));
      await expectRefused(sent, 'partnerNotFound', { event, partnerId: 'unknown:p_999' });
    });

    it('404 webhook_not_enabled for a partner without webhook mode', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post('p_002', body, xSignatureHeaders(sut.secret, sut.nowS(), body));
      await expectRefused(sent, 'webhookNotEnabled', { event, partnerId: 'p_002' });
    });

    it('415 for a body that is not declared application/json, signed or not', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const signed = xSignatureHeaders(sut.secret, sut.nowS(), body);
      await expectRefused(
        await post(WEBHOOK_PARTNER, body, { ...signed, 'content-type': 'text/plain' }),
        'unsupportedMediaType',
        { event },
      );
      const { 'content-type': _dropped, ...withoutType } = signed;
      await expectRefused(
        await post(WEBHOOK_PARTNER, Buffer.from(body), withoutType),
        'unsupportedMediaType',
        { event },
      );
    });

    it('413 for a body over maxBodyBytes, even correctly signed; only the audit row is stored', async () => {
      const event = newEvent();
      event.data.order.Notes = 'x'.repeat(MAX_BODY_BYTES);
      const body = JSON.stringify(event);
      expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        xSignatureHeaders(sut.secret, sut.nowS(), body),
      );
      await expectRefused(sent, 'payloadTooLarge', { event });
    });

    it('415 unsupported_media_type for a body in a content encoding it cannot read', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post(WEBHOOK_PARTNER, body, {
        ...xSignatureHeaders(sut.secret, sut.nowS(), body),
        'content-encoding': 'x-unknown',
      });
      // RFC 9110 §15.5.16: an unsupported content coding is a 415.
      await expectRefused(sent, 'unsupportedMediaType', { event });
    });

    it('401 signature_missing, with an alert, when no signature header is sent', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post(WEBHOOK_PARTNER, body, { 'content-type': 'application/json' });
      await expectRefused(sent, 'signatureMissing', { event, alert: 'webhook.signature_invalid' });

      // Standard Webhooks without its companion headers is just as unsigned.
      const partial = await post(WEBHOOK_PARTNER, body, {
        'content-type': 'application/json',
        'webhook-id': event.event_id,
      });
      await expectRefused(partial, 'signatureMissing', {
        event,
        alert: 'webhook.signature_invalid',
      });
    });

    it('401 signature_malformed, with an alert, when the header cannot be read', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      for (const header of ['garbage', `t=${sut.nowS()}`, 't=soon, v1=abc']) {
        const sent = await post(WEBHOOK_PARTNER, body, {
          'content-type': 'application/json',
          'x-signature': header,
        });
        await expectRefused(sent, 'signatureMalformed', {
          event,
          alert: 'webhook.signature_invalid',
        });
      }
    });

    it('401 signature_invalid, with an alert, for another body, another secret or a forged hex', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const tampered = JSON.stringify({
        ...event,
        data: { order: { ...event.data.order, TotalGross: 1 } },
      });
      const now = sut.nowS();
      const cases = [
        xSignatureHeaders(sut.secret, now, tampered),
        xSignatureHeaders(generateWebhookSecret(), now, body),
        { 'content-type': 'application/json', 'x-signature': `t=${now}, v1=${'0'.repeat(64)}` },
        standardWebhooksHeaders(generateWebhookSecret(), event.event_id, now, body),
      ];
      for (const headers of cases) {
        await expectRefused(await post(WEBHOOK_PARTNER, body, headers), 'signatureInvalid', {
          event,
          alert: 'webhook.signature_invalid',
        });
      }
    });

    it('401 signature_expired / signature_from_future outside the replay window, by the pipeline clock', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const signedAt = sut.nowS();
      const headers = xSignatureHeaders(sut.secret, signedAt, body);
      try {
        sut.clock.set((signedAt + WINDOW_S + 1) * 1000);
        await expectRefused(await post(WEBHOOK_PARTNER, body, headers), 'signatureExpired', {
          event,
          alert: 'webhook.signature_expired',
        });
        sut.clock.set((signedAt - WINDOW_S - 1) * 1000);
        await expectRefused(await post(WEBHOOK_PARTNER, body, headers), 'signatureFromFuture', {
          event,
          alert: 'webhook.signature_expired',
        });
        const sw = standardWebhooksHeaders(sut.secret, event.event_id, signedAt, body);
        sut.clock.set((signedAt + WINDOW_S + 1) * 1000);
        await expectRefused(await post(WEBHOOK_PARTNER, body, sw), 'signatureExpired', {
          event,
          alert: 'webhook.signature_expired',
        });

        // The window's edge is still inside it.
        sut.clock.set((signedAt + WINDOW_S) * 1000);
        const accepted = await post(WEBHOOK_PARTNER, body, headers);
        expect(accepted.answer.json).toMatchObject({ status: 'processed' });
      } finally {
        sut.clock.set(START_MS);
      }
    });

    it('400 malformed_json, with an alert, for a correctly signed body that is not JSON', async () => {
      const body = '{"event_id": "evt-1", "type": ';
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        xSignatureHeaders(sut.secret, sut.nowS(), body),
      );
      const error = await expectRefused(sent, 'malformedJson', { alert: 'webhook.invalid_event' });
      expect(error.error.details?.[0]).toHaveProperty('reason');
    });

    it('422 invalid_event, with an alert and the field named, for an event off the contract', async () => {
      const cases: { mutate: (event: Record<string, unknown>) => void; field: string }[] = [
        { mutate: (event) => delete event.occurred_at, field: '/occurred_at' },
        { mutate: (event) => (event.type = 'order.deleted'), field: '/type' },
        { mutate: (event) => (event.event_id = 'has spaces in it'), field: '/event_id' },
        { mutate: (event) => (event.extra = true), field: '/extra' },
        {
          mutate: (event) => (event.occurred_at = '2026-01-15T12:00:00+01:00'),
          field: '/occurred_at',
        },
      ];
      for (const { mutate, field } of cases) {
        const event = newEvent();
        const raw = structuredClone(event) as unknown as Record<string, unknown>;
        mutate(raw);
        const body = JSON.stringify(raw);
        const sent = await post(
          WEBHOOK_PARTNER,
          body,
          xSignatureHeaders(sut.secret, sut.nowS(), body),
        );
        const error = await expectRefused(sent, 'invalidEvent', {
          event,
          alert: 'webhook.invalid_event',
        });
        expect(error.error.details).toEqual(
          expect.arrayContaining([expect.objectContaining({ field })]),
        );
      }
    });

    it('422 invalid_event naming the partner field when the field mapping fails', async () => {
      const cases: { order: Record<string, unknown>; field: string }[] = [
        { order: { TotalGross: '12.00' }, field: '/data/order/TotalGross' },
        { order: { TotalGross: 12.5 }, field: '/data/order/TotalGross' },
        { order: { CurrencyCode: 'euro' }, field: '/data/order/CurrencyCode' },
        { order: { LastModified: '2026-01-15 11:58' }, field: '/data/order/LastModified' },
        { order: { OrderNumber: undefined }, field: '/data/order/OrderNumber' },
      ];
      for (const { order, field } of cases) {
        const event = newEvent();
        const broken = { ...event, data: { order: { ...event.data.order, ...order } } };
        const body = JSON.stringify(broken);
        const sent = await post(
          WEBHOOK_PARTNER,
          body,
          xSignatureHeaders(sut.secret, sut.nowS(), body),
        );
        const error = await expectRefused(sent, 'invalidEvent', {
          event,
          alert: 'webhook.invalid_event',
        });
        expect(error.error.details).toEqual([expect.objectContaining({ field })]);
      }
    });

    it('422 invalid_event, not a server error, for times the contract allows but no database can hold', async () => {
      // JSON Schema's date-time and JavaScript's Date both accept year 0000; PostgreSQL does not.
      const cases = [
        { times: { occurredAt: '0000-06-01T00:00:00Z' }, field: '/occurred_at' },
        {
          times: { occurredAt: '2026-01-15T11:58:00Z', lastModified: '0000-06-01T00:00:00Z' },
          field: '/data/order/LastModified',
        },
      ];
      for (const { times, field } of cases) {
        const event = newEvent(times);
        const body = JSON.stringify(event);
        const sent = await post(
          WEBHOOK_PARTNER,
          body,
          xSignatureHeaders(sut.secret, sut.nowS(), body),
        );
        const error = await expectRefused(sent, 'invalidEvent', {
          event,
          alert: 'webhook.invalid_event',
        });
        expect(error.error.details).toEqual([expect.objectContaining({ field })]);
      }
    });

    it('422 event_id_mismatch when the Standard Webhooks webhook-id is not the body event_id', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        standardWebhooksHeaders(sut.secret, uniqueId('other'), sut.nowS(), body),
      );
      await expectRefused(sent, 'eventIdMismatch', { event });
      expect((await ops.deliveries(sent.correlationId))[0]).toMatchObject({
        event_id: event.event_id,
      });
    });

    it('401 signature_scheme_not_accepted for a scheme the partner profile does not list', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post(
        X_ONLY_PARTNER,
        body,
        standardWebhooksHeaders(sut.secret, event.event_id, sut.nowS(), body),
      );
      await expectRefused(sent, 'schemeNotAccepted', {
        event,
        partnerId: X_ONLY_PARTNER,
        alert: 'webhook.signature_invalid',
      });

      // The same partner's accepted scheme goes through.
      const accepted = await post(
        X_ONLY_PARTNER,
        body,
        xSignatureHeaders(sut.secret, sut.nowS(), body),
      );
      expect(accepted.answer).toMatchObject({ status: 200, json: { status: 'processed' } });
    });

    it('409 event_conflict for the same event_id with another payload, leaving the order as it was', async () => {
      const event = newEvent({ total: 100 });
      expect((await sut.deliver(event)).json).toMatchObject({ status: 'processed' });
      const before = await ops.order(event.data.order.OrderNumber);

      const other = {
        ...event,
        data: {
          order: {
            ...event.data.order,
            TotalGross: 100_000,
            LastModified: '2026-01-15T11:59:00.000Z',
          },
        },
      };
      const body = JSON.stringify(other);
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        xSignatureHeaders(sut.secret, sut.nowS(), body),
      );
      expect(sent.answer.status).toBe(409);
      const error = asErrorBody(sent.answer.json);
      expect(error.error).toMatchObject({
        code: 'event_conflict',
        message_id: PIPELINE_ERRORS.eventConflict.messageId,
        correlation_id: sent.correlationId,
      });
      expect(error.error.details).toEqual([expect.objectContaining({ event_id: event.event_id })]);
      expect(await ops.deliveries(sent.correlationId)).toEqual([
        expect.objectContaining({
          outcome: 'conflict',
          http_status: 409,
          error_code: 'event_conflict',
        }),
      ]);
      expect((await ops.alerts(sent.correlationId)).map((alert) => alert.kind)).toEqual([
        'webhook.event_conflict',
      ]);
      expect(await ops.order(event.data.order.OrderNumber)).toEqual(before);
      expect(await ops.inbox(event.event_id)).toEqual([
        expect.objectContaining({
          deliveries: expect.objectContaining({ processed: 1, conflict: 1 }),
        }),
      ]);
    });
  });

  describe('hostile and impossible input: a 4xx naming field and rule, audited, never a 500', () => {
    const signedPost = (body: string) =>
      post(WEBHOOK_PARTNER, body, xSignatureHeaders(sut.secret, sut.nowS(), body));
    const withOrder = (event: PartnerEvent, order: Record<string, unknown>) =>
      JSON.stringify({ ...event, data: { order: { ...event.data.order, ...order } } });

    it.each([
      ['a NUL in an id', { OrderNumber: 'ORD\u0000X' }, '/data/order/OrderNumber', 'text'],
      ['an unpaired surrogate', { Note: 'half \ud800 a pair' }, '/data/order/Note', 'text'],
      [
        'an id longer than an index entry holds',
        { OrderNumber: 'o'.repeat(1500) },
        '/data/order/OrderNumber',
        'max_length',
      ],
      [
        'February 30th',
        { LastModified: '2026-02-30T10:00:00Z' },
        '/data/order/LastModified',
        'datetime',
      ],
      ['a zero total', { TotalGross: 0 }, '/data/order/TotalGross', 'minimum'],
      ['a negative total', { TotalGross: -100 }, '/data/order/TotalGross', 'minimum'],
      ['an unknown currency', { CurrencyCode: 'ZZZ' }, '/data/order/CurrencyCode', 'currency'],
      ['a whitespace-only id', { OrderNumber: '   ' }, '/data/order/OrderNumber', 'string'],
    ])('422 invalid_event for %s', async (_label, order, field, rule) => {
      const event = newEvent();
      const body = asErrorBody(
        await expectRefused(await signedPost(withOrder(event, order)), 'invalidEvent', {
          alert: 'webhook.invalid_event',
          event,
        }),
      );
      expect(body.error.category).toBe('validation');
      expect(body.error.details).toEqual([expect.objectContaining({ field, rule })]);
    });

    it('422 invalid_event for JSON nested past the limit', async () => {
      const event = newEvent();
      const text = withOrder(event, { Extra: '__DEEP__' }).replace(
        '"__DEEP__"',
        `${'['.repeat(400)}${']'.repeat(400)}`,
      );
      const body = await expectRefused(await signedPost(text), 'invalidEvent', {
        alert: 'webhook.invalid_event',
        event,
      });
      expect(body.error.details).toEqual([expect.objectContaining({ rule: 'max_depth' })]);
    });

    it('422 invalid_event for an event id no inbox key can hold, the delivery audited', async () => {
      const event = { ...newEvent(), event_id: 'e'.repeat(1800) };
      await expectRefused(await signedPost(JSON.stringify(event)), 'invalidEvent', {
        alert: 'webhook.invalid_event',
      });
    });

    it('422 version_from_future for a LastModified past the clock skew: it would supersede every genuine update', async () => {
      const event = newEvent({ lastModified: '2026-01-15T12:05:01.000Z' });
      const body = await expectRefused(
        await signedPost(JSON.stringify(event)),
        'versionFromFuture',
        {
          alert: 'webhook.version_from_future',
          event,
        },
      );
      expect(body.error.category).toBe('policy');
      expect(body.error.details).toEqual([
        expect.objectContaining({ field: '/data/order/LastModified', rule: 'not_after_now' }),
      ]);
      // Within the skew (300 s for p_001) it is accepted.
      const near = newEvent({ lastModified: '2026-01-15T12:04:59.000Z' });
      expect((await signedPost(JSON.stringify(near))).answer.status).toBe(200);
    });

    it('a refused neighbour does not disturb the genuine deliveries submitted with it', async () => {
      const genuine = Array.from({ length: 6 }, () => newEvent());
      const answers = await Promise.all([
        ...genuine.map((event) => signedPost(JSON.stringify(event))),
        signedPost(withOrder(newEvent(), { OrderNumber: 'bad\u0000' })),
      ]);
      expect(answers.map(({ answer }) => answer.status)).toEqual([
        200, 200, 200, 200, 200, 200, 422,
      ]);
      for (const event of genuine) expect(await ops.inbox(event.event_id)).toHaveLength(1);
    });

    it('400 bad_request, audited, for a path that is not valid percent-encoding', async () => {
      const correlationId = uniqueId('corr');
      const answer = await sut.post('/webhooks/%E0%A4%A', '{}', {
        'content-type': 'application/json',
        'x-correlation-id': correlationId,
      });
      await expectRefused({ answer, correlationId }, 'badRequest', {
        partnerId: 'unknown:_E0_A4_A',
      });
    });

    it('400 bad_request, not 500, for an ops path that is not valid percent-encoding', async () => {
      const answer = await sut.get('/ops/orders/p_001/%E0%A4%A');
      expect(answer.status).toBe(400);
      expect(asErrorBody(answer.json).error.code).toBe('bad_request');
      const filter = await sut.get('/ops/deliveries?correlation_id=%00');
      expect(filter.status).toBe(400);
      expect(asErrorBody(filter.json).error.details).toEqual([
        expect.objectContaining({ field: 'correlation_id' }),
      ]);
    });
  });

  describe('acceptance', () => {
    it('processes a signed event: 200 with the effect, the caller correlation id both ways, inbox and order stored', async () => {
      const event = newEvent({ total: 12_345 });
      const body = JSON.stringify(event);
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        xSignatureHeaders(sut.secret, sut.nowS(), body),
      );
      expect(sent.answer.status).toBe(200);
      expect(sent.answer.json).toEqual({
        status: 'processed',
        event_id: event.event_id,
        correlation_id: sent.correlationId,
        effect: 'applied',
      });
      expect(sent.answer.headers.get('x-correlation-id')).toBe(sent.correlationId);

      expect(await ops.inbox(event.event_id)).toEqual([
        expect.objectContaining({
          signature_scheme: 'x-signature',
          correlation_id: sent.correlationId,
        }),
      ]);
      const order = await ops.order(event.data.order.OrderNumber);
      expect(order.body?.order).toMatchObject({
        status: 'open',
        total_amount: 12_345,
        currency: 'EUR',
      });
      expect(order.body?.event_chain).toEqual([
        expect.objectContaining({ event_id: event.event_id, outcome: 'applied' }),
      ]);
      expect(await ops.deliveries(sent.correlationId)).toEqual([
        expect.objectContaining({ outcome: 'processed', http_status: 200, error_code: null }),
      ]);

      // The partner retries: the same answer without an effect, and nothing new stored.
      const retry = await post(
        WEBHOOK_PARTNER,
        body,
        xSignatureHeaders(sut.secret, sut.nowS(), body),
      );
      expect(retry.answer.json).toEqual({
        status: 'replayed',
        event_id: event.event_id,
        correlation_id: retry.correlationId,
      });
      expect(await ops.order(event.data.order.OrderNumber)).toEqual(order);
    });

    it('accepts Standard Webhooks headers for processing too', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        standardWebhooksHeaders(sut.secret, event.event_id, sut.nowS(), body),
      );
      expect(sent.answer).toMatchObject({
        status: 200,
        json: { status: 'processed', event_id: event.event_id },
      });
      expect(await ops.inbox(event.event_id)).toEqual([
        expect.objectContaining({ signature_scheme: 'standard-webhooks' }),
      ]);
    });

    it('accepts a signature made with any of several secrets (rotation) when one is current', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const sent = await post(
        WEBHOOK_PARTNER,
        body,
        xSignatureHeaders([generateWebhookSecret(), sut.secret], sut.nowS(), body),
      );
      expect(sent.answer.json).toMatchObject({ status: 'processed' });
    });

    it('replaces an ill-formed X-Correlation-Id with a fresh one, echoed in header and body', async () => {
      const event = newEvent();
      const body = JSON.stringify(event);
      const offered = 'not a valid id';
      const answer = await sut.post(`/webhooks/${WEBHOOK_PARTNER}`, body, {
        ...xSignatureHeaders(sut.secret, sut.nowS(), body),
        'x-correlation-id': offered,
      });
      expect(answer.status).toBe(200);
      const echoed = answer.headers.get('x-correlation-id');
      expect(echoed).toMatch(UUID);
      expect(answer.json).toMatchObject({ correlation_id: echoed });
      expect(await ops.deliveries(echoed as string)).toHaveLength(1);

      // A refusal gets a fresh id too, and its error body carries it.
      const refused = await sut.post(`/webhooks/${WEBHOOK_PARTNER}`, body, {
        'content-type': 'application/json',
        'x-correlation-id': offered,
      });
      const fresh = refused.headers.get('x-correlation-id');
      expect(fresh).toMatch(UUID);
      expect(fresh).not.toBe(echoed);
      expect(asErrorBody(refused.json).error.correlation_id).toBe(fresh);
    });
  });
});
