import { generateKeyPairSync, sign } from 'node:crypto';

/**
 * A token the pipeline never issued, made from one it did: the same header and claims (so it is
 * well-formed, names the right key id, and has not expired), signed with a key of our own. Only
 * the signature tells it apart, which is exactly what a verifier must check. A token that is not
 * a JWT (another SUT may issue opaque ones) gets its last character changed instead.
 */
export function forgeAccessToken(genuine: string): string {
  const parts = genuine.split('.');
  if (parts.length !== 3) return `${genuine.slice(0, -1)}${genuine.endsWith('A') ? 'B' : 'A'}`;
  const [header, payload] = parts as [string, string, string];
  const { privateKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
