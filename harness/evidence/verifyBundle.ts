import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { lstat, readFile, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { ConfigError, UsageError, errorMessage } from '../../lib/errors.js';
import { publicKeyFingerprint } from './evidenceKey.js';
import type { TrustedSigner } from './trustedSigners.js';
import {
  PUBLIC_KEY_FILE,
  SIGNATURE_FILE,
  SUMS_FILE,
  listBundleEntries,
  parseSha256Sums,
  sha256File,
  type Sha256Entry,
} from './sha256sums.js';

export type BundleProblem =
  'missing_sums' | 'signature' | 'untrusted_key' | 'changed' | 'missing' | 'unlisted' | 'malformed';

export type BundleVerification =
  | {
      ok: true;
      files: number;
      fingerprint: string;
      /** Which trusted signer it was: its label, e.g. "pinned with --key a.pem". */
      trustedAs: string;
    }
  | {
      ok: false;
      problem: BundleProblem;
      file: string;
      detail: string;
      /** The signer, once its signature is known to hold (set for untrusted_key). */
      fingerprint?: string;
    };

export interface VerifyBundleOptions {
  /**
   * The signers to accept: pins from the command line, or the local trust list. Required, and
   * never the key the bundle carries: whoever changes a bundle can re-sign it and ship their key.
   */
  trusted: readonly TrustedSigner[];
}

type Failure = Extract<BundleVerification, { ok: false }>;

/**
 * Checks a sealed bundle and names the first thing wrong with it: the seal files, the signature,
 * every listed file, no unlisted one, then whether the signer is trusted. Trust comes last so an
 * untrusted result can say the folder matches its own signature and name who signed it.
 * A tampered bundle is a result, never an exception: only a `dir` that is not a folder throws.
 */
export async function verifyBundle(
  dir: string,
  options: VerifyBundleOptions,
): Promise<BundleVerification> {
  await requireFolder(dir);

  const sums = await readSealFile(dir, SUMS_FILE);
  if (!Buffer.isBuffer(sums)) return sums;
  const entries = parseSums(sums);
  if (!Array.isArray(entries)) return entries;

  const signature = await readSealFile(dir, SIGNATURE_FILE);
  if (!Buffer.isBuffer(signature)) return signature;
  const publicKeyPem = await readSealFile(dir, PUBLIC_KEY_FILE);
  if (!Buffer.isBuffer(publicKeyPem)) return publicKeyPem;
  const embedded = parseEmbeddedKey(publicKeyPem);
  if (!isKeyObject(embedded)) return embedded;

  if (!signatureVerifies(sums, embedded, signature)) {
    return fail(
      'signature',
      SUMS_FILE,
      `${SIGNATURE_FILE} is not a signature over ${SUMS_FILE} by the key in ${PUBLIC_KEY_FILE}: the list or its signature was changed`,
    );
  }

  for (const entry of entries) {
    const problem = await checkListedFile(dir, entry);
    if (problem) return problem;
  }
  const unlisted = await firstUnlisted(dir, new Set(entries.map((entry) => entry.path)));
  if (unlisted) return unlisted;

  const fingerprint = publicKeyFingerprint(embedded);
  const signer = options.trusted.find((candidate) => candidate.fingerprint === fingerprint);
  if (!signer) {
    return {
      ...fail(
        'untrusted_key',
        PUBLIC_KEY_FILE,
        `signed by ${fingerprint}, ${notTrusted(options.trusted)}; the files match that signature, which proves nothing until its signer is trusted`,
      ),
      fingerprint,
    };
  }
  return { ok: true, files: entries.length, fingerprint, trustedAs: signer.label };
}

/** Why the signer fails, in terms of what was trusted: one pin is named, a trust list is not. */
function notTrusted(trusted: readonly TrustedSigner[]): string {
  const [only] = trusted;
  if (trusted.length === 0) return 'and no signer is trusted on this machine';
  if (trusted.length === 1 && only) return `not by the trusted ${only.fingerprint} (${only.label})`;
  return 'a key this machine does not trust';
}

async function requireFolder(dir: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(dir)).isDirectory();
  } catch (error) {
    throw new UsageError(
      `${dir}: no such evidence folder (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!isFolder) throw new UsageError(`${dir}: not a folder; pass the run's evidence folder`);
}

/** One of the three seal files, or the failure that says why it cannot be used. */
async function readSealFile(dir: string, name: string): Promise<Buffer | Failure> {
  try {
    return await readFile(`${dir}/${name}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return fail('missing_sums', name, 'not in the folder: the bundle is not sealed');
    return fail('malformed', name, `cannot be read (${code ?? errorMessage(error)})`);
  }
}

function parseSums(bytes: Buffer): Sha256Entry[] | Failure {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('malformed', SUMS_FILE, 'not UTF-8 text');
  }
  try {
    return parseSha256Sums(text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [first] = error.problems;
    const where = first?.line === undefined ? '' : `line ${first.line}: `;
    return fail('malformed', SUMS_FILE, `${where}${first?.reason ?? error.message}`);
  }
}

function parseEmbeddedKey(pem: Buffer): KeyObject | Failure {
  return (
    ed25519PublicKey(pem) ??
    fail('malformed', PUBLIC_KEY_FILE, 'not an Ed25519 public key in PEM form')
  );
}

/** The key, if `pem` holds an Ed25519 public key and nothing else. */
function ed25519PublicKey(pem: string | Buffer): KeyObject | undefined {
  // A private key would parse too (as its public half); neither a sealer nor an auditor uses one.
  if (pem.includes('PRIVATE KEY')) return undefined;
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

function isKeyObject(value: KeyObject | Failure): value is KeyObject {
  return !('ok' in value);
}

function signatureVerifies(sums: Buffer, publicKey: KeyObject, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, sums, publicKey, signature);
  } catch {
    return false;
  }
}

async function checkListedFile(dir: string, entry: Sha256Entry): Promise<Failure | undefined> {
  const file = `${dir}/${entry.path}`;
  try {
    // lstat, not stat: a symlink is never what was sealed, even if it points at the same bytes.
    const info = await lstat(file);
    if (!info.isFile()) {
      return fail(
        'changed',
        entry.path,
        `${info.isDirectory() ? 'a folder' : 'a symlink or special file'}, not the file SHA256SUMS lists`,
      );
    }
    if ((await sha256File(file)) !== entry.sha256) {
      return fail('changed', entry.path, `sha256 differs from ${SUMS_FILE}`);
    }
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return fail('missing', entry.path, `listed in ${SUMS_FILE} but not in the folder`);
    return fail(
      'changed',
      entry.path,
      `cannot be read (${code ?? errorMessage(error)}), so it cannot be checked`,
    );
  }
}

async function firstUnlisted(
  dir: string,
  listed: ReadonlySet<string>,
): Promise<Failure | undefined> {
  try {
    const extra = (await listBundleEntries(dir)).find((entry) => !listed.has(entry.path));
    if (extra) return fail('unlisted', extra.path, `in the folder but not listed in ${SUMS_FILE}`);
    return undefined;
  } catch (error) {
    const failed = error as NodeJS.ErrnoException;
    const where = failed.path === undefined ? '.' : relative(dir, failed.path) || '.';
    return fail(
      'unlisted',
      where,
      `cannot be listed (${failed.code ?? errorMessage(error)}), so unlisted files cannot be ruled out`,
    );
  }
}

function fail(problem: BundleProblem, file: string, detail: string): Failure {
  return { ok: false, problem, file, detail };
}
