import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forgeAccessToken } from '../../../../simulators/api/forgedAccessToken.js';
import { forgedToken } from '../../../../simulators/api/faults/forgedToken.js';
import { context, exportCall, plan } from '../callFixtures.js';

describe('forgedToken fault', () => {
  it('makes every call present a forged token', () => {
    const [call] = forgedToken.apply(plan(exportCall()), {}, context()).flat();
    expect(call).toMatchObject({ credential: 'forged', faults: ['forgedToken'] });
  });

  it('forges a JWT with the genuine header and claims that the issuer’s key does not verify', () => {
    const issuer = generateKeyPairSync('ed25519');
    const header = Buffer.from('{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}').toString('base64url');
    const claims = Buffer.from('{"sub":"acme-orders","exp":1900000000}').toString('base64url');
    const signature = sign(null, Buffer.from(`${header}.${claims}`), issuer.privateKey);
    const genuine = `${header}.${claims}.${signature.toString('base64url')}`;

    const forged = forgeAccessToken(genuine);
    const [forgedHeader, forgedClaims, forgedSignature] = forged.split('.');
    expect([forgedHeader, forgedClaims]).toEqual([header, claims]);
    const signed = Buffer.from(`${forgedHeader}.${forgedClaims}`);
    expect(
      verify(null, signed, issuer.publicKey, Buffer.from(forgedSignature ?? '', 'base64url')),
    ).toBe(false);
  });

  it('changes an opaque token by one character', () => {
    expect(forgeAccessToken('opaque-token-A')).toBe('opaque-token-B');
    expect(forgeAccessToken('opaque-token-x')).toBe('opaque-token-A');
  });
});
