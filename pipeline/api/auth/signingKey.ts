import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { Clock } from '../../../lib/clock.js';
import type { Store } from '../../store/store.js';

/** Ed25519 signatures, under the JOSE name every JWT library knows. */
export const TOKEN_ALGORITHM = 'EdDSA';
const PURPOSE = 'access_tokens';

export interface SigningKey {
  /** The key id (its JWK thumbprint), carried in every token's header. */
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

interface SigningKeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
}

/**
 * The key access tokens are signed and verified with, the same for every worker on the store:
 * a key each worker made for itself would make every token valid on one worker only. The first
 * worker to need it generates one and offers it with ON CONFLICT DO NOTHING; every worker, the
 * loser of a race included, then uses the row that is there. Kept in process once read; a failed
 * read (store down) is retried by the next request.
 */
export function storedSigningKey(store: Store, clock: Clock): () => Promise<SigningKey> {
  let loading: Promise<SigningKey> | undefined;
  return () => {
    loading ??= loadOrCreate(store, clock).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

async function loadOrCreate(store: Store, clock: Clock): Promise<SigningKey> {
  const existing = await readKey(store);
  if (existing) return existing;
  const generated = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(generated.publicKey);
  const privateJwk = await exportJWK(generated.privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  await store.query(
    `INSERT INTO api_signing_keys (purpose, kid, algorithm, private_jwk, public_jwk, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (purpose) DO NOTHING`,
    [
      PURPOSE,
      kid,
      TOKEN_ALGORITHM,
      JSON.stringify(privateJwk),
      JSON.stringify(publicJwk),
      new Date(clock.now()).toISOString(),
    ],
  );
  const stored = await readKey(store);
  if (!stored) throw new Error('the signing key row is missing right after it was inserted');
  return stored;
}

async function readKey(store: Store): Promise<SigningKey | undefined> {
  const [row] = await store.query<SigningKeyRow>(
    'SELECT kid, private_jwk, public_jwk FROM api_signing_keys WHERE purpose = $1',
    [PURPOSE],
  );
  if (!row) return undefined;
  const importKey = async (text: string) =>
    (await importJWK(JSON.parse(text) as JWK, TOKEN_ALGORITHM)) as CryptoKey;
  return {
    kid: row.kid,
    privateKey: await importKey(row.private_jwk),
    publicKey: await importKey(row.public_jwk),
  };
}
