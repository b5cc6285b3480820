import { PIPELINE_ERRORS, type PipelineErrorSpec } from '../../http/errors.js';

/** The form fields of a token request (RFC 6749 §4.4.2), each sent at most once. */
export interface TokenRequestForm {
  grantType?: string;
  scope?: string;
  clientId?: string;
  clientSecret?: string;
}

export type FormReading =
  { ok: true; form: TokenRequestForm } | { ok: false; error: PipelineErrorSpec; detail: string };

const FIELDS = {
  grant_type: 'grantType',
  scope: 'scope',
  client_id: 'clientId',
  client_secret: 'clientSecret',
} as const;

/**
 * Reads an application/x-www-form-urlencoded body. A field sent twice is refused (§3.2: "MUST
 * NOT be included more than once"); one sent empty counts as not sent (§3.1); unknown fields
 * are ignored (§3.2).
 */
export function readTokenRequestForm(body: Buffer): FormReading {
  const params = new URLSearchParams(body.toString('utf8'));
  const form: TokenRequestForm = {};
  for (const [name, key] of Object.entries(FIELDS)) {
    const values = params.getAll(name);
    if (values.length > 1)
      return { ok: false, error: PIPELINE_ERRORS.tokenRequestInvalid, detail: `${name} twice` };
    if (values[0]) form[key] = values[0];
  }
  return { ok: true, form };
}

/** A scope value: scope-tokens (§3.3) separated by single spaces. */
const SCOPE_LIST = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

export type ScopeChoice = { ok: true; scopes: string[] } | { ok: false; detail: string };

/**
 * The scopes a token will carry: those asked for, each granted to the client, or every granted
 * scope when none is asked for (§3.3 lets the server pick a default; all granted is the least
 * surprising one).
 */
export function chooseScopes(asked: string | undefined, granted: readonly string[]): ScopeChoice {
  if (asked === undefined) return { ok: true, scopes: [...granted] };
  if (!SCOPE_LIST.test(asked)) return { ok: false, detail: 'scope is not a list of scope tokens' };
  const wanted = new Set(asked.split(' '));
  const notGranted = [...wanted].filter((scope) => !granted.includes(scope));
  if (notGranted.length > 0)
    return { ok: false, detail: `not granted: ${notGranted.join(' ').slice(0, 200)}` };
  return { ok: true, scopes: granted.filter((scope) => wanted.has(scope)) };
}
