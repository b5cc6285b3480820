import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, isSecretHeader, redactHeaders } from '../../lib/redact.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OPS_TOKEN = 'ops-token-0123456789abcdef';
const EMAIL = 'jane.doe@example.com';

/** p_001's profile flags BuyerEmail (ours: buyer_email) as PII. */
const redactor = new Redactor({
  piiFields: ['BuyerEmail', 'buyer_email'],
  secrets: [SECRET, OPS_TOKEN],
});

describe('redactHeaders', () => {
  it('hides credential and signature headers whatever their case, and keeps the rest', () => {
    expect(
      redactHeaders({
        'X-Signature': 't=1,v1=abc',
        'webhook-signature': 'v1,abc',
        'Stripe-Signature': 't=1,v1=abc',
        Authorization: 'Bearer token',
        cookie: 'session=1',
        'x-api-key': 'k',
        'content-type': 'application/json',
        'webhook-id': 'evt_1',
        'x-correlation-id': 'run.1',
      }),
    ).toEqual({
      'X-Signature': REDACTED,
      'webhook-signature': REDACTED,
      'Stripe-Signature': REDACTED,
      Authorization: REDACTED,
      cookie: REDACTED,
      'x-api-key': REDACTED,
      'content-type': 'application/json',
      'webhook-id': 'evt_1',
      'x-correlation-id': 'run.1',
    });
  });

  it('joins repeated headers, drops absent ones, and redacts repeated secret ones', () => {
    expect(
      redactHeaders({ accept: ['a', 'b'], 'set-cookie': ['x=1', 'y=2'], gone: undefined }),
    ).toEqual({ accept: 'a, b', 'set-cookie': REDACTED });
  });

  it('says which header names are secret', () => {
    expect(isSecretHeader('X-SIGNATURE')).toBe(true);
    expect(isSecretHeader('webhook-timestamp')).toBe(false);
  });

  it('also replaces a secret that turns up in any other header (Redactor.headers)', () => {
    expect(redactor.headers({ 'x-debug': `key=${SECRET}`, authorization: 'Bearer x' })).toEqual({
      'x-debug': `key=${REDACTED}`,
      authorization: REDACTED,
    });
  });
});

describe('Redactor.json', () => {
  it('hides secret-named keys at any depth, inside arrays too, whatever their case', () => {
    const input = {
      partner: 'p_001',
      secret_env: 'B2B_P_001_WEBHOOK_SECRET',
      auth: { Client_Secret: 's3', nested: [{ token: 't', keep: 1 }, { PASSWORD: 'p' }] },
      api_key: 'k',
      headers: { 'x-signature': 't=1,v1=ff', accept: '*/*' },
    };
    expect(new Redactor().json(input)).toEqual({
      partner: 'p_001',
      // Only whole key names match: the name of the variable holding a secret stays readable.
      secret_env: 'B2B_P_001_WEBHOOK_SECRET',
      auth: {
        Client_Secret: REDACTED,
        nested: [{ token: REDACTED, keep: 1 }, { PASSWORD: REDACTED }],
      },
      api_key: REDACTED,
      headers: { 'x-signature': REDACTED, accept: '*/*' },
    });
  });

  it('hides the PII fields a profile flags, at any depth, whatever their case or type', () => {
    const event = {
      event_id: 'evt_1',
      data: {
        order: { OrderNumber: 'A-1', BuyerEmail: EMAIL, buyer: { buyeremail: ['x', 'y'] } },
      },
      attributes: { buyer_email: EMAIL },
    };
    expect(redactor.json(event)).toEqual({
      event_id: 'evt_1',
      data: {
        order: { OrderNumber: 'A-1', BuyerEmail: REDACTED, buyer: { buyeremail: REDACTED } },
      },
      attributes: { buyer_email: REDACTED },
    });
  });

  it('keeps an absent PII value absent: null says nothing about anyone', () => {
    expect(redactor.json({ BuyerEmail: null })).toEqual({ BuyerEmail: null });
  });

  it('replaces a secret inside any string value, and in keys', () => {
    expect(
      redactor.json({ msg: `auth Bearer ${OPS_TOKEN} ok`, list: [`${SECRET}!`], [SECRET]: 1 }),
    ).toEqual({ msg: `auth Bearer ${REDACTED} ok`, list: [`${REDACTED}!`], [REDACTED]: 1 });
  });

  it('redacts a string that holds JSON (a stored payload) as JSON', () => {
    const row = { payload: JSON.stringify({ data: { order: { BuyerEmail: EMAIL, Total: 1 } } }) };
    const redacted = redactor.json(row);
    expect(JSON.parse(redacted.payload)).toEqual({
      data: { order: { BuyerEmail: REDACTED, Total: 1 } },
    });
  });

  it('returns a copy and leaves the input untouched', () => {
    const input = { token: 'abc', list: [1, 2], BuyerEmail: EMAIL };
    const output = redactor.json(input);
    expect(input).toEqual({ token: 'abc', list: [1, 2], BuyerEmail: EMAIL });
    expect(output.list).not.toBe(input.list);
  });

  it('passes scalars and null through', () => {
    expect(redactor.json('text')).toBe('text');
    expect(redactor.json(null)).toBeNull();
    expect(redactor.json([1, 'a', true])).toEqual([1, 'a', true]);
  });

  it('turns errors into their safe shape and survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const error = Object.assign(new Error('boom'), { params: [EMAIL] });
    expect(redactor.json({ cyclic, error })).toEqual({
      cyclic: { name: 'loop', self: '[circular]' },
      error: { name: 'Error', message: 'boom', stack: expect.stringMatching(/^Error: boom\n/) },
    });
  });
});

describe('Redactor.record (the logger hot path)', () => {
  it('returns the same object when nothing needs masking, and never modifies its input', () => {
    const record = { partner_id: 'p_001', correlation_id: 'run.1', outcome: 'processed', n: 1 };
    expect(redactor.record(record)).toBe(record);
    const withPii = { partner_id: 'p_001', order: { BuyerEmail: EMAIL } };
    expect(redactor.record(withPii)).toEqual({
      partner_id: 'p_001',
      order: { BuyerEmail: REDACTED },
    });
    expect(withPii.order.BuyerEmail).toBe(EMAIL);
  });
});

describe('Redactor.text', () => {
  it('returns text without any candidate unchanged', () => {
    const text = 'webhook event processed for order ORD-1';
    expect(redactor.text(text)).toBe(text);
  });

  it('replaces every occurrence of each secret, and ignores secrets under 8 characters', () => {
    const other = 'whsec_second_secret_value';
    const both = new Redactor({ secrets: [SECRET, other, 'a', 'total'] });
    expect(both.text(`using ${SECRET}; again ${SECRET} and ${other}, an order total.`)).toBe(
      `using ${REDACTED}; again ${REDACTED} and ${REDACTED}, an order total.`,
    );
  });

  it('redacts JSON as JSON, keeping a single line single and pretty JSON pretty', () => {
    const line = JSON.stringify({ level: 30, order: { BuyerEmail: EMAIL }, msg: 'x' });
    expect(redactor.text(`${line}\n`)).toBe(
      `${JSON.stringify({ level: 30, order: { BuyerEmail: REDACTED }, msg: 'x' })}\n`,
    );
    const pretty = JSON.stringify({ BuyerEmail: EMAIL, n: 1 }, null, 2);
    expect(redactor.text(pretty)).toBe(JSON.stringify({ BuyerEmail: REDACTED, n: 1 }, null, 2));
  });

  it('leaves JSON with nothing to mask byte for byte as it was', () => {
    const body = '{ "secret_env": "B2B_P_001_WEBHOOK_SECRET",  "n": 1 }';
    expect(redactor.text(body)).toBe(body);
  });

  it('redacts NDJSON line by line', () => {
    const ndjson = `${JSON.stringify({ buyer_email: EMAIL })}\n${JSON.stringify({ ok: 1 })}\n`;
    expect(redactor.text(ndjson)).toBe(
      `${JSON.stringify({ buyer_email: REDACTED })}\n${JSON.stringify({ ok: 1 })}\n`,
    );
  });

  it.each([
    [
      'a missing comma',
      `{"data":{"order":{"BuyerEmail":"${EMAIL}" "OrderNumber":"A-1"}}}`,
      `{"data":{"order":{"BuyerEmail":"${REDACTED}" "OrderNumber":"A-1"}}}`,
    ],
    ['an unterminated string', `{"BuyerEmail": "${EMAIL}`, `{"BuyerEmail": "${REDACTED}"`],
    [
      'an unquoted value',
      `{"BuyerEmail": ${EMAIL}, "n": 1}`,
      `{"BuyerEmail": ${REDACTED}, "n": 1}`,
    ],
    ['single quotes', `{'BuyerEmail': '${EMAIL}'}`, `{'BuyerEmail': '${REDACTED}'}`],
    [
      'JSON escaped inside other text',
      `body={\\"BuyerEmail\\":\\"${EMAIL}\\",\\"n\\":1}`,
      `body={\\"BuyerEmail\\":\\"${REDACTED}\\",\\"n\\":1}`,
    ],
  ])('masks PII in broken JSON: %s', (_case, text, expected) => {
    expect(redactor.text(text)).toBe(expected);
  });

  it('masks PII in form bodies and query strings, whatever the key case', () => {
    expect(redactor.text(`OrderNumber=A-1&buyeremail=${encodeURIComponent(EMAIL)}&n=2`)).toBe(
      `OrderNumber=A-1&buyeremail=${REDACTED}&n=2`,
    );
    expect(redactor.text(`/hook?BuyerEmail=${EMAIL}`)).toBe(`/hook?BuyerEmail=${REDACTED}`);
  });

  it('masks PII in a scenario file: YAML values, lists, and raw bodies it quotes', () => {
    const yaml = [
      `  - { ref: e1, order: o1, fields: { BuyerEmail: "${EMAIL}\\0", TotalGross: 5 } }`,
      `  - { ref: e2, order: o2, fields: { BuyerEmail: ["${EMAIL}"] } }`,
      `    BuyerEmail: ${EMAIL}`,
      `    body: { text: '{"BuyerEmail":"${EMAIL}"' }`,
    ].join('\n');
    const redacted = redactor.text(yaml);
    expect(redacted).not.toContain(EMAIL);
    expect(redacted).toContain('TotalGross: 5');
    expect(redacted.split('\n')).toHaveLength(4);
  });

  it('masks credential headers written out as text, to the end of the line', () => {
    expect(redactor.text('X-Signature: t=1,v1=abc\nAuthorization: Bearer x, y\naccept: */*')).toBe(
      `X-Signature: ${REDACTED}\nAuthorization: ${REDACTED}\naccept: */*`,
    );
  });

  it("drops the snippet of input a JSON parser's message quotes", () => {
    let message = '';
    try {
      JSON.parse(`{"BuyerEmail": ${EMAIL}}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('is not valid JSON');
    const redacted = redactor.text(message);
    expect(redacted).toMatch(/is not valid JSON$/);
    expect(redacted).not.toMatch(/jane|doe|example/);
  });

  it('leaves a field named in a path readable: it names the field, it holds no value', () => {
    const reason = '/data/order/BuyerEmail: must be a non-blank string';
    expect(redactor.text(reason)).toBe(reason);
  });
});

describe('Redactor.body', () => {
  it('redacts a JSON body as JSON and a form body by pattern', () => {
    expect(redactor.body(Buffer.from(JSON.stringify({ BuyerEmail: EMAIL })))).toBe(
      JSON.stringify({ BuyerEmail: REDACTED }),
    );
    expect(redactor.body(`BuyerEmail=${EMAIL}`)).toBe(`BuyerEmail=${REDACTED}`);
  });

  it('keeps a body that is not UTF-8 text as its size and sha256 only', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(EMAIL)]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(redactor.body(bytes)).toBe(`[binary body: ${bytes.length} bytes, sha256 ${sha256}]`);
    // Valid UTF-8 with NULs is not text either; nor is text already decoded from such bytes.
    expect(redactor.body(Buffer.from(`a\u0000${EMAIL}`))).toMatch(/^\[binary body: /);
    expect(redactor.body(bytes.toString('utf8'))).toMatch(/^\[binary body: /);
  });

  it('keeps an empty body empty', () => {
    expect(redactor.body(Buffer.alloc(0))).toBe('');
    expect(redactor.body('')).toBe('');
  });
});

describe('Redactor.error', () => {
  /** What PGlite and pg attach to a failed statement. */
  function storeError(message: string, marker: string) {
    return Object.assign(new Error(message), {
      name: 'error',
      code: '22007',
      severity: 'ERROR',
      detail: `Failing row contains (${marker}).`,
      where: `JSON data, line 1: {"BuyerEmail":"${marker}...`,
      internalQuery: `select '${marker}'`,
      query: 'insert into webhook_inbox select * from jsonb_to_recordset($1::jsonb)',
      params: [JSON.stringify([{ payload: JSON.stringify({ BuyerEmail: marker }) }])],
    });
  }

  it('keeps only name, message, code and stack frames of a store error', () => {
    const safe = redactor.error(storeError('unsupported Unicode escape sequence', 'M4RK3R'));
    expect(Object.keys(safe).sort()).toEqual(['code', 'message', 'name', 'stack']);
    expect(safe).toMatchObject({
      name: 'error',
      message: 'unsupported Unicode escape sequence',
      code: '22007',
    });
    expect(safe.stack).toMatch(/^error: unsupported Unicode escape sequence\n\s+at /);
    expect(JSON.stringify(safe)).not.toContain('M4RK3R');
  });

  it('masks a value the message quotes, and keeps the identifiers it names', () => {
    const echoed = redactor.error(
      storeError('invalid input syntax for type timestamp with time zone: "M4RK3R"', 'M4RK3R'),
    );
    expect(echoed.message).toBe(
      `invalid input syntax for type timestamp with time zone: "${REDACTED}"`,
    );
    expect(echoed.stack).not.toContain('M4RK3R');
    const named = redactor.error(
      storeError('duplicate key value violates unique constraint "webhook_inbox_pkey"', 'x'),
    );
    expect(named.message).toBe(
      'duplicate key value violates unique constraint "webhook_inbox_pkey"',
    );
  });

  it('masks a quoted literal that is one of the statement parameters, wherever it stands', () => {
    const error = Object.assign(new Error('value "M4RK3R" is out of range for type integer'), {
      code: '22003',
      params: ['M4RK3R'],
    });
    expect(redactor.error(error).message).toBe(
      `value "${REDACTED}" is out of range for type integer`,
    );
  });

  it('keeps the cause, in the same safe shape, and redacts secrets in messages', () => {
    const cause = Object.assign(new Error(`auth with ${SECRET} failed`), { params: [EMAIL] });
    const safe = redactor.error(new Error('inbox flush failed', { cause }));
    expect(safe.cause).toMatchObject({ name: 'Error', message: `auth with ${REDACTED} failed` });
    expect(Object.keys(safe.cause ?? {}).sort()).toEqual(['message', 'name', 'stack']);
  });

  it('cuts a plain object posing as an error down to the same shape', () => {
    expect(redactor.error({ message: 'x', code: 'E1', query: 'q', params: [EMAIL] })).toEqual({
      name: 'Error',
      message: 'x',
      code: 'E1',
    });
    expect(redactor.error('just text')).toEqual({ name: 'Error', message: 'just text' });
  });
});

describe('Redactor.addSecrets', () => {
  it('masks secrets learnt later, for every holder of the same redactor', () => {
    const shared = new Redactor({ piiFields: ['BuyerEmail'] });
    const late = 'whsec_generated_after_the_evidence_folder';
    expect(shared.text(`key ${late}`)).toBe(`key ${late}`);
    shared.addSecrets([late, '']);
    expect(shared.text(`key ${late}`)).toBe(`key ${REDACTED}`);
    expect(shared.json({ [late]: late })).toEqual({ [REDACTED]: REDACTED });
  });
});
