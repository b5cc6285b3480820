import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../lib/errors.js';

/**
 * The Ed25519 key that signs evidence bundles. It lives outside every bundle: a bundle carries only
 * the public half, so whoever holds a bundle cannot re-sign a changed one as the same signer.
 */

/** Where the key is kept when neither `keyFile` nor B2B_EVIDENCE_KEY names one (relative to cwd). */
export const DEFAULT_EVIDENCE_KEY_FILE = '.b2b/keys/evidence-ed25519.pem';
export const EVIDENCE_KEY_ENV = 'B2B_EVIDENCE_KEY';

export interface EvidenceKey {
  privateKey: KeyObject;
  /** SPKI PEM, as written into each bundle's SHA256SUMS.pub.pem. */
  publicKeyPem: string;
  /** `SHA256:` + unpadded base64 of sha256(SPKI DER), the style of `ssh-keygen -l`. */
  fingerprint: string;
}

export interface EvidenceKeyOptions {
  /** A PKCS#8 PEM private key; it must exist. */
  keyFile?: string;
  /** Read for B2B_EVIDENCE_KEY; process.env when omitted. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths and the default location; process.cwd() when omitted. */
  cwd?: string;
}

/**
 * Loads the signing key from `keyFile`, else B2B_EVIDENCE_KEY, else the default location. Only the
 * default file is created when absent: a key someone named and that is missing is a mistake to
 * report, not a reason to sign with a fresh key nobody trusts.
 */
export async function loadOrCreateEvidenceKey(
  options: EvidenceKeyOptions = {},
): Promise<EvidenceKey> {
  const { file, named } = evidenceKeyFile(options);
  const pem = await readKeyFile(file);
  if (pem !== undefined) return evidenceKeyFromPem(file, pem);
  if (named !== undefined) throw missingNamedKey(file, named);
  await createKeyFile(file);
  const created = await readKeyFile(file);
  if (created === undefined)
    throw new ConfigError([{ file, path: '', reason: 'vanished right after it was created' }]);
  return evidenceKeyFromPem(file, created);
}

/**
 * The public half of this machine's evidence key, found the way `loadOrCreateEvidenceKey` finds it
 * but never created: verifying must not mint a key. Undefined when the default file does not exist
 * (a machine that never signed); a key someone named and that is missing is still an error.
 */
export async function readOwnEvidencePublicKey(
  options: EvidenceKeyOptions = {},
): Promise<{ file: string; fingerprint: string } | undefined> {
  const { file, named } = evidenceKeyFile(options);
  const pem = await readKeyFile(file);
  if (pem === undefined) {
    if (named !== undefined) throw missingNamedKey(file, named);
    return undefined;
  }
  return { file, fingerprint: evidenceKeyFromPem(file, pem).fingerprint };
}

/** Reads a trusted public key (SPKI PEM) that a bundle's signer must match. */
export async function loadTrustedPublicKey(
  file: string,
): Promise<{ publicKeyPem: string; fingerprint: string }> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        file,
        path: '',
        reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }
  // createPublicKey would quietly derive the public half of a private key; an auditor should never
  // need the private key, so handing one over is refused rather than accepted.
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError([
      {
        file,
        path: '',
        reason: 'is a private key; pin the public key (SHA256SUMS.pub.pem of a bundle you trust)',
      },
    ]);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError([{ file, path: '', reason: 'is not a PEM public key' }]);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError([
      {
        file,
        path: '',
        reason: `holds a key of type ${publicKey.asymmetricKeyType ?? 'unknown'}; an Ed25519 public key is expected`,
      },
    ]);
  }
  return { publicKeyPem: spkiPem(publicKey), fingerprint: publicKeyFingerprint(publicKey) };
}

export function publicKeyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export function spkiPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** The shape `publicKeyFingerprint` prints: 32 bytes of sha256, unpadded base64. */
const FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})$/;

/** Whether `text` is a fingerprint exactly as this tool prints it (so string equality compares keys). */
export function isFingerprint(text: string): boolean {
  const digest = FINGERPRINT.exec(text)?.[1];
  // The last base64 digit carries 4 spare bits; only the canonical spelling round-trips.
  return (
    digest !== undefined &&
    Buffer.from(digest, 'base64').toString('base64').replace(/=+$/, '') === digest
  );
}

/** The key file to use and, when someone chose it, who: `keyFile`, else B2B_EVIDENCE_KEY. */
function evidenceKeyFile(options: EvidenceKeyOptions): {
  file: string;
  named: 'option' | 'env' | undefined;
} {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const fromEnv = env[EVIDENCE_KEY_ENV] || undefined;
  const named = options.keyFile ? 'option' : fromEnv ? 'env' : undefined;
  return { file: resolve(cwd, options.keyFile || fromEnv || DEFAULT_EVIDENCE_KEY_FILE), named };
}

function missingNamedKey(file: string, named: 'option' | 'env'): ConfigError {
  const source = named === 'env' ? ` (named by ${EVIDENCE_KEY_ENV})` : '';
  return new ConfigError([
    {
      file,
      path: '',
      reason: `evidence key does not exist${source}; create one with \`openssl genpkey -algorithm ed25519 -out ${file}\``,
    },
  ]);
}

function evidenceKeyFromPem(file: string, pem: string): EvidenceKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError([
      { file, path: '', reason: 'is not an unencrypted PEM private key (PKCS#8 Ed25519 expected)' },
    ]);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError([
      {
        file,
        path: '',
        reason: `holds a key of type ${privateKey.asymmetricKeyType ?? 'unknown'}; the evidence key must be Ed25519`,
      },
    ]);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: spkiPem(publicKey),
    fingerprint: publicKeyFingerprint(publicKey),
  };
}

/** The file's text, or undefined when there is no such file. */
async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError([{ file, path: '', reason: `cannot be read (${code ?? 'error'})` }]);
  }
}

/**
 * Writes a new key beside its final name and links it into place, so two runs starting at once
 * never see a half-written key and both end up using whichever key landed first.
 */
async function createKeyFile(file: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600); // the mode above is narrowed by the umask, never widened; be exact
    await link(temporary, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temporary, { force: true });
  }
}
