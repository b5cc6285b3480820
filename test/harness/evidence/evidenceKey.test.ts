import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_EVIDENCE_KEY_FILE,
  isFingerprint,
  loadOrCreateEvidenceKey,
  loadTrustedPublicKey,
  readOwnEvidencePublicKey,
} from '../../../harness/evidence/evidenceKey.js';
import { ConfigError } from '../../../lib/errors.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2b-key-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pkcs8Pem(type: 'ed25519' | 'rsa'): string {
  const { privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

describe('loadOrCreateEvidenceKey', () => {
  it('creates the default key under cwd with mode 0600, then reuses it', async () => {
    const first = await loadOrCreateEvidenceKey({ cwd: dir, env: {} });
    const file = join(dir, DEFAULT_EVIDENCE_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(first.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(first.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);

    const second = await loadOrCreateEvidenceKey({ cwd: dir, env: {} });
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
  });

  it('gives two concurrent first runs the same key', async () => {
    const keys = await Promise.all(
      Array.from({ length: 5 }, () => loadOrCreateEvidenceKey({ cwd: dir, env: {} })),
    );
    expect(new Set(keys.map((key) => key.fingerprint)).size).toBe(1);
  });

  it('signs with the private half of the public key it reports', async () => {
    const key = await loadOrCreateEvidenceKey({ cwd: dir, env: {} });
    const data = Buffer.from('SHA256SUMS bytes');
    expect(verify(null, data, key.publicKeyPem, sign(null, data, key.privateKey))).toBe(true);
  });

  it('uses an existing key named by keyFile, relative to cwd, before B2B_EVIDENCE_KEY', async () => {
    await writeFile(join(dir, 'mine.pem'), pkcs8Pem('ed25519'));
    await writeFile(join(dir, 'from-env.pem'), pkcs8Pem('ed25519'));
    const explicit = await loadOrCreateEvidenceKey({
      cwd: dir,
      keyFile: 'mine.pem',
      env: { B2B_EVIDENCE_KEY: join(dir, 'from-env.pem') },
    });
    const fromEnv = await loadOrCreateEvidenceKey({
      cwd: dir,
      env: { B2B_EVIDENCE_KEY: join(dir, 'from-env.pem') },
    });
    expect(explicit.fingerprint).not.toBe(fromEnv.fingerprint);
    expect(await loadOrCreateEvidenceKey({ keyFile: join(dir, 'mine.pem') })).toMatchObject({
      fingerprint: explicit.fingerprint,
    });
    // Neither named key caused a default key to be created.
    await expect(stat(join(dir, DEFAULT_EVIDENCE_KEY_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a named key file that does not exist, naming it, and creates nothing', async () => {
    const missing = join(dir, 'nope', 'evidence.pem');
    await expect(loadOrCreateEvidenceKey({ keyFile: missing, env: {} })).rejects.toThrow(
      ConfigError,
    );
    await expect(loadOrCreateEvidenceKey({ keyFile: missing, env: {} })).rejects.toThrow(missing);
    await expect(
      loadOrCreateEvidenceKey({ cwd: dir, env: { B2B_EVIDENCE_KEY: missing } }),
    ).rejects.toThrow(/B2B_EVIDENCE_KEY/);
    await expect(stat(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses an RSA key, naming the file', async () => {
    const file = join(dir, 'rsa.pem');
    await writeFile(file, pkcs8Pem('rsa'));
    const attempt = loadOrCreateEvidenceKey({ keyFile: file, env: {} });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(loadOrCreateEvidenceKey({ keyFile: file, env: {} })).rejects.toThrow(
      `${file}: holds a key of type rsa; the evidence key must be Ed25519`,
    );
  });

  it('refuses a file that is not a private key at all', async () => {
    const file = join(dir, 'public.pem');
    const { publicKey } = generateKeyPairSync('ed25519');
    await writeFile(file, publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(loadOrCreateEvidenceKey({ keyFile: file, env: {} })).rejects.toThrow(
      new RegExp(`${file}.*not an unencrypted PEM private key`),
    );
  });
});

describe('loadTrustedPublicKey', () => {
  it('reads a public key PEM and reports the same fingerprint as the signer', async () => {
    const key = await loadOrCreateEvidenceKey({ cwd: dir, env: {} });
    await writeFile(join(dir, 'trusted.pub.pem'), key.publicKeyPem);
    expect(await loadTrustedPublicKey(join(dir, 'trusted.pub.pem'))).toEqual({
      publicKeyPem: key.publicKeyPem,
      fingerprint: key.fingerprint,
    });
  });

  it('refuses a private key, a non-Ed25519 key and an unreadable file', async () => {
    await writeFile(join(dir, 'private.pem'), pkcs8Pem('ed25519'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await writeFile(join(dir, 'rsa.pub.pem'), rsa.export({ type: 'spki', format: 'pem' }));
    await expect(loadTrustedPublicKey(join(dir, 'private.pem'))).rejects.toThrow(
      /is a private key/,
    );
    await expect(loadTrustedPublicKey(join(dir, 'rsa.pub.pem'))).rejects.toThrow(
      /key of type rsa; an Ed25519 public key is expected/,
    );
    await expect(loadTrustedPublicKey(join(dir, 'missing.pem'))).rejects.toThrow(ConfigError);
  });
});

describe('readOwnEvidencePublicKey', () => {
  it('finds the signing key where certify would, without ever creating one', async () => {
    expect(await readOwnEvidencePublicKey({ cwd: dir, env: {} })).toBeUndefined();
    await expect(stat(join(dir, DEFAULT_EVIDENCE_KEY_FILE))).rejects.toThrow(/ENOENT/);

    const key = await loadOrCreateEvidenceKey({ cwd: dir, env: {} });
    expect(await readOwnEvidencePublicKey({ cwd: dir, env: {} })).toEqual({
      file: join(dir, DEFAULT_EVIDENCE_KEY_FILE),
      fingerprint: key.fingerprint,
    });
  });

  it('refuses a key B2B_EVIDENCE_KEY names that is not there', async () => {
    const missing = join(dir, 'nope.pem');
    await expect(
      readOwnEvidencePublicKey({ cwd: dir, env: { B2B_EVIDENCE_KEY: missing } }),
    ).rejects.toThrow(`${missing}: evidence key does not exist (named by B2B_EVIDENCE_KEY)`);
  });
});

describe('isFingerprint', () => {
  it('accepts exactly the spelling publicKeyFingerprint prints', async () => {
    const { fingerprint } = await loadOrCreateEvidenceKey({ cwd: dir, env: {} });
    expect(isFingerprint(fingerprint)).toBe(true);
    expect(isFingerprint(`${fingerprint}=`)).toBe(false);
    expect(isFingerprint(fingerprint.replace('SHA256:', 'sha256:'))).toBe(false);
    expect(isFingerprint(` ${fingerprint}`)).toBe(false);
    // Same bytes, but a last digit with spare bits set: not how any key is printed.
    expect(isFingerprint('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV')).toBe(false);
    expect(isFingerprint('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU')).toBe(true);
  });
});
