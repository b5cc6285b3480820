import { describe, expect, it } from 'vitest';
import { STANDARD_WEBHOOKS_HEADERS } from '../../../contracts/signatures/standardWebhooks.js';
import { X_SIGNATURE_HEADER } from '../../../contracts/signatures/xSignature.js';
import {
  signatureHeaderOf,
  signedHeaders,
  withFault,
} from '../../../simulators/webhook/deliveryPlan.js';
import { NOW_S, receive, spec } from './planFixtures.js';

describe('signedHeaders', () => {
  it('signs X-Signature so the contract verifier accepts it', () => {
    const delivery = spec('evt_1', 'x-signature');
    expect(Object.keys(signedHeaders(delivery))).toEqual([X_SIGNATURE_HEADER]);
    expect(receive(delivery)).toEqual({ ok: true, timestampS: NOW_S });
  });

  it('signs Standard Webhooks with the event id as webhook-id, accepted by the verifier', () => {
    const delivery = spec('evt_2', 'standard-webhooks');
    const headers = signedHeaders(delivery);
    expect(headers[STANDARD_WEBHOOKS_HEADERS.id]).toBe('evt_2');
    expect(headers[STANDARD_WEBHOOKS_HEADERS.timestamp]).toBe(String(NOW_S));
    expect(receive(delivery)).toEqual({ ok: true, timestampS: NOW_S, messageId: 'evt_2' });
  });

  it('signs the signed body, not the body on the wire', () => {
    const delivery = { ...spec('evt_3'), body: Buffer.from('{"other":true}') };
    expect(signedHeaders(delivery)).toEqual(signedHeaders(spec('evt_3')));
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'mismatch' });
  });

  it('leaves out the headers a fault removed, whatever case the fault wrote', () => {
    const delivery = { ...spec('evt_4', 'standard-webhooks'), omitHeaders: ['Webhook-Timestamp'] };
    expect(Object.keys(signedHeaders(delivery)).sort()).toEqual([
      'webhook-id',
      'webhook-signature',
    ]);
  });
});

describe('withFault and signatureHeaderOf', () => {
  it('records the fault and applies the change on a copy', () => {
    const original = spec('evt_5');
    const changed = withFault(original, 'delay', { timestampS: NOW_S - 10 });
    const twice = withFault(changed, 'tamperBody');
    expect(twice.faults).toEqual(['delay', 'tamperBody']);
    expect(twice.timestampS).toBe(NOW_S - 10);
    expect(original.faults).toEqual([]);
    expect(original.timestampS).toBe(NOW_S);
  });

  it('names the signature header of each scheme', () => {
    expect(signatureHeaderOf('x-signature')).toBe('x-signature');
    expect(signatureHeaderOf('standard-webhooks')).toBe('webhook-signature');
  });
});
