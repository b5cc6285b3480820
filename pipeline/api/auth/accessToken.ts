import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { TOKEN_ALGORITHM, type SigningKey } from './signingKey.js';

/** Who issues the tokens, and for what: a token for anything else is refused even if signed by us. */
export const TOKEN_ISSUER = 'urn:b2b:pipeline';
export const TOKEN_AUDIENCE = 'urn:b2b:partner-api';
/** RFC 9068's type for JWT access tokens: no other JWT we might sign passes for one. */
const TOKEN_TYPE = 'at+jwt';
/** Longer than any token we issue; a longer string is not read at all. */
const MAX_TOKEN_LENGTH = 4096;

export interface AccessTokenClaims {
  partnerId: string;
  clientId: string;
  scopes: string[];
  tokenId: string;
  expiresAtS: number;
}

export async function issueAccessToken(
  key: SigningKey,
  grant: { partnerId: string; clientId: string; scopes: readonly string[]; ttlS: number },
  nowMs: number,
): Promise<string> {
  const nowS = Math.floor(nowMs / 1000);
  return new SignJWT({
    partner_id: grant.partnerId,
    client_id: grant.clientId,
    scope: grant.scopes.join(' '),
  })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: TOKEN_TYPE })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(grant.clientId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + grant.ttlS)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

export type TokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; failure: 'expired' | 'invalid'; detail: string };

/**
 * Signature, key id, type, issuer, audience and lifetime, against `nowMs` (the pipeline's clock,
 * so tests move time instead of waiting). Expired is told apart only for a token that is
 * otherwise genuine: jose checks the signature before the claims.
 */
export async function verifyAccessToken(
  token: string,
  key: SigningKey,
  nowMs: number,
): Promise<TokenCheck> {
  if (token.length > MAX_TOKEN_LENGTH) return invalid('longer than any token we issue');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header) => {
        if (header.kid !== key.kid) throw new Error('signed with a key we do not know');
        return key.publicKey;
      },
      {
        algorithms: [TOKEN_ALGORITHM],
        typ: TOKEN_TYPE,
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'partner_id', 'scope'],
      },
    ));
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      return { ok: false, failure: 'expired', detail: 'expired' };
    return invalid(error instanceof Error ? error.message : 'cannot be verified');
  }
  const { sub, jti, exp, partner_id: partnerId, scope } = payload;
  if (typeof partnerId !== 'string' || typeof scope !== 'string' || !sub || !jti || !exp)
    return invalid('claims of the wrong type');
  return {
    ok: true,
    claims: {
      partnerId,
      clientId: sub,
      scopes: scope.split(' ').filter((one) => one !== ''),
      tokenId: jti,
      expiresAtS: exp,
    },
  };
}

function invalid(detail: string): TokenCheck {
  return { ok: false, failure: 'invalid', detail };
}
