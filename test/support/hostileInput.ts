import { request as httpRequest } from 'node:http';
import fc from 'fast-check';

/**
 * Building blocks for fuzzing an HTTP surface the way a broken or hostile partner would: text from
 * every Unicode category (NUL, control characters, unpaired surrogates included), deep nesting,
 * huge fields, paths and queries that are not valid percent-encoding, odd headers, raw bytes.
 */

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** One "character" of hostile text: any code point, a NUL, a control character, or half a pair. */
const hostileUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: fc.constant('\u0000') },
);

export const hostileText = (maxLength = 40) => fc.string({ unit: hostileUnit, maxLength });

/** Strings a store or an index may not hold: long, or with text no column can keep. */
export const hostileString = fc.oneof(
  { weight: 6, arbitrary: hostileText() },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 20_000 }).map((n) => 'x'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 3_000 })
      .map((n) =>
        Array.from({ length: n }, (_, i) => String.fromCodePoint(0x4e00 + (i % 500))).join(''),
      ),
  },
);

/** JSON values nested up to `depth`, with hostile strings as keys and values. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), 1e308),
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileText(12), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** `[[[…]]]` or `{"a":{"a":…}}` as text, `depth` levels deep: JSON.stringify would not make it. */
export const deeplyNested = fc
  .tuple(fc.integer({ min: 30, max: 6_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/**
 * A path segment as it goes on the wire: plain, percent-encoded hostile text, or percent
 * sequences that decode to nothing valid (`%E0%A4%A`, `%`, `%00`, `%FF`).
 */
export const hostileSegment = fc.oneof(
  fc.constantFrom(
    'p_001',
    'p_002',
    'p_003',
    'p_999',
    '',
    '.',
    '..',
    '%',
    '%%',
    '%00',
    '%FF',
    '%E0%A4%A',
    '%C0%AF',
    '%ZZ',
  ),
  hostileText(20).map(encodeForWire),
  fc.integer({ min: 300, max: 1_500 }).map((n) => 'a'.repeat(n)),
);

/** What Node's HTTP client accepts in a request target: hostile text, percent-encoded byte by byte. */
export function encodeForWire(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      byte > 0x20 && byte < 0x7f && !'%?#'.includes(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

export const hostileQuery = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'limit',
        'cursor',
        'partner_id',
        'event_id',
        'correlation_id',
        'kind',
        'outcome',
        'source',
        'x',
      ),
      hostileSegment,
    ),
    {
      maxLength: 4,
    },
  )
  .map((pairs) =>
    pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`,
  );

/** Header values Node's client will send (visible ASCII and Latin-1), some of them odd. */
export const headerValue = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
  fc.constantFrom('', ' ', 'application/json; charset=ünknown', 't=,v1=', 'v1,', 'ä'.repeat(10)),
  fc.integer({ min: 1_000, max: 2_500 }).map((n) => 'h'.repeat(n)),
);

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends exactly this request target, headers and body (no URL normalisation, unlike fetch), to a
 * loopback server, and reads the whole answer. A refused connection or a reset is an error.
 */
export function sendRaw(
  baseUrl: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
        },
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer to ${method} ${target.slice(0, 80)} in 15 s`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}
