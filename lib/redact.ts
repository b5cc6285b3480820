import { createHash } from 'node:crypto';

/**
 * One redaction rule for logs and evidence: secrets and signature values never leave the process,
 * and fields a partner profile flags as PII are masked. A `Redactor` is built once (per pipeline
 * process, per certify run) from the profiles' PII fields and the secrets in use, and every log
 * record, journal entry, audit reason, alert detail and evidence file passes through it.
 */

export const REDACTED = '[redacted]';

/** Headers whose values are credentials or signatures. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-signature',
  'webhook-signature',
  'svix-signature',
  'stripe-signature',
]);

/** Key names whose values are credentials, matched case-insensitively on the whole key. */
const SECRET_KEYS = [
  'secret',
  'secrets',
  'password',
  'passphrase',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'private_key',
  'api_key',
  'signing_key',
  'signature',
];

/** Secrets shorter than this would mangle ordinary text ("a", "total"); they are not searched. */
const MIN_SECRET_LENGTH = 8;
/** Deeper than this a value is cut rather than walked (a log record is never that deep). */
const MAX_DEPTH = 64;
/** Key verdicts are cached: log records repeat the same few keys on every line. */
const KEY_CACHE_LIMIT = 4096;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** Header values as one string each; credential and signature headers masked. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = isSecretHeader(name) ? REDACTED : text;
  }
  return out;
}

export interface RedactorSources {
  /** Field names (a profile's `pii` rules, ours and the partner's), masked at any depth. */
  piiFields?: Iterable<string>;
  /** Secret values in use (webhook secrets, tokens), replaced wherever they occur in text. */
  secrets?: Iterable<string>;
}

/** What is kept of an error: never a store error's query, parameters, detail or context. */
export interface SafeError {
  name: string;
  message: string;
  code?: string | number;
  /** `name: message` and the stack frames. */
  stack?: string;
  cause?: SafeError;
}

/**
 * Masks secrets and PII in structured values, free text, recorded bodies and errors.
 *
 * - `json(value)`: a deep copy; values under secret-named or PII keys masked at any depth, and
 *   every string value redacted as `text`.
 * - `text(s)`: secrets replaced; JSON redacted as JSON (NDJSON line by line); anything else has
 *   `"<key>": "…"`, `<key>: …` and `<key>=…` pairs of PII and secret keys masked by pattern, so
 *   broken JSON, YAML and form bodies do not carry PII through, and JSON parser messages lose
 *   the snippet of input they quote.
 * - `body(bytes | string)`: a recorded payload as text, or a summary when it is not text.
 * - `error(e)`: name, message (redacted), code and stack frames, nothing else.
 *
 * It is cheap on text without any candidate (one precompiled test), because the pipeline runs
 * it on every log line.
 */
export class Redactor {
  readonly #pii: Set<string>;
  #secrets: string[] = [];
  #candidate!: RegExp;
  #secretValues: RegExp | undefined;
  #pairs!: RegExp;
  #headerLines!: RegExp;
  readonly #keyVerdicts = new Map<string, string | typeof MASK>();

  constructor(sources: RedactorSources = {}) {
    this.#pii = new Set([...(sources.piiFields ?? [])].map((field) => field.toLowerCase()));
    this.addSecrets(sources.secrets ?? []);
  }

  /**
   * Secrets that became known after the redactor was built (certify generates the pipeline's
   * secrets after the evidence folder exists). Every holder of this redactor masks them from now on.
   */
  addSecrets(secrets: Iterable<string>): void {
    const known = new Set(this.#secrets);
    for (const secret of secrets)
      if (secret && secret.length >= MIN_SECRET_LENGTH) known.add(secret);
    this.#secrets = [...known].sort((a, b) => b.length - a.length);
    this.#compile();
  }

  /**
   * A deep copy with secret-named and PII keys masked and every string redacted as text. The type
   * is kept for convenience: a masked value is the string `[redacted]`, whatever it was.
   */
  json<T>(value: T): T {
    return this.#walk(value, 0, new Set(), true) as T;
  }

  /**
   * Like `json`, for a log record on the hot path: parts that need no change are shared with the
   * input instead of copied (the input is never modified).
   */
  record<T extends object>(record: T): T {
    return this.#walk(record, 0, new Set(), false) as T;
  }

  text(text: string): string {
    if (!this.#candidate.test(text)) return text;
    return this.#redactText(text, 0);
  }

  /** A recorded payload: JSON → redacted JSON text; UTF-8 text → redacted text; else a summary. */
  body(body: Uint8Array | string): string {
    if (typeof body === 'string') {
      // A string holding NULs or U+FFFD was decoded from bytes that are not text.
      return body.includes('\u0000') || body.includes('\uFFFD')
        ? binarySummary(Buffer.from(body, 'utf8'))
        : this.text(body);
    }
    if (body.length === 0) return '';
    let text: string;
    try {
      text = UTF8.decode(body);
    } catch {
      return binarySummary(body);
    }
    return text.includes('\u0000') ? binarySummary(body) : this.text(text);
  }

  /** Header values as one string each: credential headers masked, secrets replaced in the rest. */
  headers(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const out = redactHeaders(headers);
    for (const name of Object.keys(out)) out[name] = this.text(out[name] as string);
    return out;
  }

  /**
   * An error as a log or evidence file may hold it. Store errors (PGlite, pg) carry the failing
   * statement, its parameters (whole raw payloads), `detail` with row values and `where` with a
   * slice of the input: none of it is kept, and quoted values the message echoes are masked.
   */
  error(error: unknown, depth = 0): SafeError {
    if (error === null || typeof error !== 'object')
      return { name: 'Error', message: this.text(String(error)) };
    const fields = error as Record<string, unknown>;
    const name = typeof fields.name === 'string' && fields.name ? this.text(fields.name) : 'Error';
    const message = this.text(
      maskEchoedValues(typeof fields.message === 'string' ? fields.message : '', fields),
    );
    const safe: SafeError = { name, message };
    if (typeof fields.code === 'number') safe.code = fields.code;
    else if (typeof fields.code === 'string') safe.code = this.text(fields.code);
    if (typeof fields.stack === 'string') {
      const frames = fields.stack.split('\n').filter((line) => /^\s+at /.test(line));
      if (frames.length > 0) safe.stack = [`${name}: ${message}`, ...frames].join('\n');
    }
    if (fields.cause !== undefined && depth < 3) safe.cause = this.error(fields.cause, depth + 1);
    return safe;
  }

  #compile(): void {
    const keys = [...new Set([...this.#pii, ...SECRET_KEYS, ...SECRET_HEADERS])]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|');
    const secrets = this.#secrets.map(escapeRegExp).join('|');
    this.#secretValues = secrets ? new RegExp(secrets, 'g') : undefined;
    // A superset test: text matching none of these needs no work at all.
    this.#candidate = new RegExp(
      [keys, secrets, escapeRegExp(PARSER_SNIPPET_TAIL)].filter(Boolean).join('|'),
      'i',
    );
    // `"key": "v"`, `\"key\": \"v\"` (JSON inside a string), `'key': 'v'`, `key: v`, `key=v`.
    // Quoted values may be unterminated (broken JSON): the mask then runs to the end. A key inside
    // a path (`/data/order/BuyerEmail: is required`) names a field, it does not hold its value.
    this.#pairs = new RegExp(
      String.raw`(?<![\w$./-])(\\?)(["']?)(${keys})\1\2(\s*[:=]\s*)(` +
        String.raw`\\"(?:[^"\\]|\\[^"])*(?:\\")?` +
        String.raw`|"(?:[^"\\]|\\[\s\S])*"?` +
        String.raw`|'(?:[^'\\]|\\[\s\S])*'?` +
        String.raw`|\[[^\]\r\n]*\]?` +
        String.raw`|\{[^}\r\n]*\}?` +
        String.raw`|[^\r\n,;&}\]<]+)`,
      'gi',
    );
    // `Authorization: Bearer …` / `X-Signature: t=…,v1=…`: a header's value runs to the line's end.
    const headerNames = [...SECRET_HEADERS, 'signature'].map(escapeRegExp).join('|');
    this.#headerLines = new RegExp(String.raw`(?<![\w-])(${headerNames})(\s*:\s*)([^\r\n]+)`, 'gi');
    this.#keyVerdicts.clear();
  }

  #redactText(text: string, depth: number): string {
    const first = text.trimStart()[0];
    if ((first === '{' || first === '[') && depth < MAX_DEPTH) {
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        isJson = false;
      }
      if (isJson) {
        const walked = this.#walk(parsed, depth + 1, new Set(), false);
        // Nothing masked: the text stays byte for byte what it was (a recorded body, a log line).
        if (walked === parsed) return text;
        // Pretty-printed JSON stays pretty; a log line stays one line.
        const indent = text.trimEnd().includes('\n') ? 2 : undefined;
        const redacted = JSON.stringify(walked, null, indent);
        return text.endsWith('\n') ? `${redacted}\n` : redacted;
      }
    }
    // NDJSON, or any text of several lines: each line is judged on its own (a JSON line as JSON).
    if (text.includes('\n') && depth < MAX_DEPTH) {
      return text
        .split('\n')
        .map((line) => (this.#candidate.test(line) ? this.#redactText(line, depth + 1) : line))
        .join('\n');
    }
    let out = this.#secretValues ? text.replace(this.#secretValues, REDACTED) : text;
    out = out.replace(
      this.#pairs,
      (_whole, slash: string, quote: string, key: string, separator: string, value: string) =>
        `${slash}${quote}${key}${slash}${quote}${separator}${maskedValue(value)}`,
    );
    out = out.replace(this.#headerLines, `$1$2${REDACTED}`);
    if (out.includes(PARSER_SNIPPET_TAIL)) out = out.replace(PARSER_SNIPPET, `$1"${REDACTED}"`);
    return out;
  }

  /** A key's fate: MASK, or the key itself (with any secret in it replaced). */
  #key(key: string): string | typeof MASK {
    let verdict = this.#keyVerdicts.get(key);
    if (verdict === undefined) {
      const lower = key.toLowerCase();
      verdict =
        this.#pii.has(lower) || SECRET_HEADERS.has(lower) || SECRET_KEY_SET.has(lower)
          ? MASK
          : this.#secretValues
            ? key.replace(this.#secretValues, REDACTED)
            : key;
      if (this.#keyVerdicts.size >= KEY_CACHE_LIMIT) this.#keyVerdicts.clear();
      this.#keyVerdicts.set(key, verdict);
    }
    return verdict;
  }

  #walk(node: unknown, depth: number, ancestors: Set<object>, copy: boolean): unknown {
    if (typeof node === 'string') return this.text(node);
    if (node === null || typeof node !== 'object') return node;
    if (node instanceof Error) return this.error(node);
    if (node instanceof Uint8Array) return this.body(node);
    const toJSON = (node as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function')
      return this.#walk(toJSON.call(node) as unknown, depth, ancestors, copy);
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (ancestors.has(node)) return '[circular]';
    ancestors.add(node);
    try {
      if (Array.isArray(node)) {
        let out: unknown[] | undefined = copy ? [] : undefined;
        for (let index = 0; index < node.length; index++) {
          const child: unknown = node[index];
          const redacted = this.#walk(child, depth + 1, ancestors, copy);
          if (!out && redacted !== child) out = node.slice(0, index);
          out?.push(redacted);
        }
        return out ?? node;
      }
      const source = node as Record<string, unknown>;
      const keys = Object.keys(source);
      let out: Record<string, unknown> | undefined = copy ? {} : undefined;
      for (let index = 0; index < keys.length; index++) {
        const key = keys[index] as string;
        const child = source[key];
        const verdict = this.#key(key);
        let name = key;
        let redacted: unknown;
        if (verdict === MASK) redacted = child === null || child === undefined ? child : REDACTED;
        else {
          name = verdict;
          redacted = this.#walk(child, depth + 1, ancestors, copy);
        }
        if (!out && (redacted !== child || name !== key)) {
          out = {};
          for (const earlier of keys.slice(0, index)) out[earlier] = source[earlier];
        }
        if (out) out[name] = redacted;
      }
      return out ?? node;
    } finally {
      ancestors.delete(node);
    }
  }
}

const MASK = Symbol('mask');
const SECRET_KEY_SET = new Set(SECRET_KEYS);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * V8's JSON.parse messages quote up to ~20 characters of the input around the error
 * (`Unexpected token 'B', ..."erEmail": jane@"... is not valid JSON`): whatever the body held.
 */
const PARSER_SNIPPET_TAIL = ' is not valid JSON';
const PARSER_SNIPPET =
  /((?:Unexpected token '[\s\S]{1,2}', )?)(?:\.\.\.)?\\?"[^\r\n]{0,80}?\\?"(?:\.\.\.)?(?= is not valid JSON)/g;

function maskedValue(value: string): string {
  if (value.startsWith('\\"')) return `\\"${REDACTED}\\"`;
  if (value.startsWith('"')) return `"${REDACTED}"`;
  if (value.startsWith("'")) return `'${REDACTED}'`;
  return REDACTED;
}

function binarySummary(bytes: Uint8Array): string {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return `[binary body: ${bytes.length} bytes, sha256 ${sha256}]`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * PostgreSQL quotes the offending value in some messages (`invalid input syntax for type
 * timestamp with time zone: "…"`, `invalid input value for enum …: "…"`), and a value can come
 * straight from a partner's payload. For errors from a store (an SQLSTATE code, a severity, or the
 * statement's parameters attached), a quoted literal in value position (after `: `) is masked, and
 * so is any quoted literal that is one of the statement's parameter values. Identifiers
 * (`relation "orders"`, `constraint "…"`) stay readable.
 */
function maskEchoedValues(message: string, error: Record<string, unknown>): string {
  if (!message.includes('"')) return message;
  const params = parameterTexts(error);
  const fromStore =
    params.length > 0 ||
    typeof error.severity === 'string' ||
    (typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code));
  if (!fromStore) return message;
  return message.replace(
    /(:\s*)?"((?:[^"]|"")*)"/g,
    (whole, valuePosition: string, literal: string) =>
      valuePosition || isParameterValue(literal, params)
        ? `${valuePosition ?? ''}"${REDACTED}"`
        : whole,
  );
}

function parameterTexts(error: Record<string, unknown>): string[] {
  const texts: string[] = [];
  for (const name of ['params', 'parameters']) {
    const value = error[name];
    for (const param of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      if (param === null || param === undefined) continue;
      texts.push(typeof param === 'string' ? param : safeStringify(param));
    }
  }
  return texts;
}

/** The literal is a parameter, or a string value (not a key) inside a JSON parameter. */
function isParameterValue(literal: string, params: string[]): boolean {
  if (literal === '') return false;
  const quoted = JSON.stringify(literal);
  return params.some((param) => {
    if (param === literal) return true;
    for (let at = param.indexOf(quoted); at >= 0; at = param.indexOf(quoted, at + 1)) {
      if (!/^\s*:/.test(param.slice(at + quoted.length, at + quoted.length + 8))) return true;
    }
    return false;
  });
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
