import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { ConfigError, UsageError } from '../../lib/errors.js';
import { loadTrustedPublicKey, readOwnEvidencePublicKey } from './evidenceKey.js';

/**
 * Who may sign a bundle that `b2b evidence verify` accepts. A bundle carries its signer's public
 * key, but anyone can re-sign a changed folder and put their own key in it, so that key proves
 * nothing by itself: the signer must be pinned on the command line (--key, --fingerprint) or be
 * in this machine's trust list (its own evidence key, and the public keys in the trust folder).
 */

/** The trust folder when B2B_TRUSTED_KEYS does not name one: beside the signing key. */
export const DEFAULT_TRUSTED_KEYS_DIR = '.b2b/keys/trusted';
export const TRUSTED_KEYS_ENV = 'B2B_TRUSTED_KEYS';

export interface TrustedSigner {
  /** `SHA256:…`, compared as a string: equal fingerprints are equal keys. */
  fingerprint: string;
  /** Why it is trusted, as verify prints it: "pinned with --key a.pem", "acme, from the trust list". */
  label: string;
  /** The PEM file it was read from, if any. */
  file?: string;
}

export interface TrustOptions {
  /** Read for B2B_TRUSTED_KEYS and B2B_EVIDENCE_KEY; process.env when omitted. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths and the default locations; process.cwd() when omitted. */
  cwd?: string;
}

/** The trust folder, and whether B2B_TRUSTED_KEYS chose it (then it must exist). */
export function trustedKeysDir(options: TrustOptions = {}): { dir: string; named: boolean } {
  const cwd = options.cwd ?? process.cwd();
  const named = (options.env ?? process.env)[TRUSTED_KEYS_ENV] || undefined;
  return { dir: resolve(cwd, named ?? DEFAULT_TRUSTED_KEYS_DIR), named: named !== undefined };
}

/**
 * What this machine trusts without a pin: its own evidence key (whatever it signs is its own
 * evidence), then every `*.pem` in the trust folder, by file name. A file there that is not an
 * Ed25519 public key is a ConfigError, never skipped: a trust list that silently drops entries
 * would make verify fail for reasons nobody can see.
 */
export async function loadLocalTrust(options: TrustOptions = {}): Promise<TrustedSigner[]> {
  const signers: TrustedSigner[] = [];
  const own = await readOwnEvidencePublicKey({ env: options.env, cwd: options.cwd });
  if (own) {
    signers.push({
      fingerprint: own.fingerprint,
      label: "this machine's evidence key",
      file: own.file,
    });
  }
  const { dir, named } = trustedKeysDir(options);
  for (const name of await pemFiles(dir, named)) {
    const file = join(dir, name);
    const { fingerprint } = await loadTrustedPublicKey(file);
    signers.push({ fingerprint, label: `${signerName(name)}, from the trust list`, file });
  }
  return signers;
}

/** A signer pinned with `--key FILE` (relative to cwd): the only one verify then accepts. */
export async function pinnedKey(file: string, options: TrustOptions = {}): Promise<TrustedSigner> {
  const path = resolve(options.cwd ?? process.cwd(), file);
  const { fingerprint } = await loadTrustedPublicKey(path);
  return { fingerprint, label: `pinned with --key ${file}`, file: path };
}

/** A signer pinned with `--fingerprint SHA256:…` (checked by the caller's option parser). */
export function pinnedFingerprint(fingerprint: string): TrustedSigner {
  return { fingerprint, label: 'pinned with --fingerprint' };
}

export interface TrustAdded {
  fingerprint: string;
  /** The trust-list file that holds the key (new, or the one that already did). */
  file: string;
  /** False when the key was already trusted: nothing was written. */
  added: boolean;
  /** Set when not added: how it was already trusted. */
  already?: string;
}

/**
 * Copies a public key into the trust folder as `<name>.pub.pem` (name: `--name`, else the file's
 * own name). Adding a key that is already trusted changes nothing; a name already taken by another
 * key is a UsageError, so one key can never quietly replace another.
 */
export async function addTrustedKey(
  pemFile: string,
  name: string | undefined,
  options: TrustOptions = {},
): Promise<TrustAdded> {
  const key = await loadTrustedPublicKey(resolve(options.cwd ?? process.cwd(), pemFile));
  const chosen = name ?? signerName(basename(pemFile));
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(chosen)) {
    throw new UsageError(
      `--name ${JSON.stringify(chosen)}: use letters, digits, ".", "_" and "-" (it becomes a file name)`,
    );
  }
  const known = (await loadLocalTrust(options)).find(
    (signer) => signer.fingerprint === key.fingerprint,
  );
  if (known) {
    return {
      fingerprint: key.fingerprint,
      file: known.file ?? '',
      added: false,
      already: known.label,
    };
  }
  const { dir } = trustedKeysDir(options);
  const file = join(dir, `${chosen}.pub.pem`);
  // 0700 like the keys folder above it: whoever can write here decides which signers pass.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, key.publicKeyPem, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new UsageError(
      `${file} already holds another key; choose another --name (see b2b evidence trust list)`,
    );
  }
  return { fingerprint: key.fingerprint, file, added: true };
}

/** A path as the user would type it from `cwd`: relative when inside it. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const inside = relative(cwd, file);
  return inside && !inside.startsWith('..') && !inside.startsWith('/') ? inside : file;
}

/** `acme.pub.pem` and `acme.pem` are both the signer "acme". */
function signerName(fileName: string): string {
  return fileName.replace(/(\.pub)?\.pem$/, '');
}

/** The `*.pem` file names in the folder, sorted; none when the default folder does not exist. */
async function pemFiles(dir: string, named: boolean): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return [];
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    const source = named ? ` (named by ${TRUSTED_KEYS_ENV})` : '';
    throw new ConfigError([{ file: dir, path: '', reason: `trust folder ${why}${source}` }]);
  }
  return entries
    .filter((entry) => !entry.isDirectory() && entry.name.endsWith('.pem'))
    .map((entry) => entry.name)
    .sort();
}
