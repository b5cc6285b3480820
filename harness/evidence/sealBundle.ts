import { sign } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import type { EvidenceKey } from './evidenceKey.js';
import {
  PUBLIC_KEY_FILE,
  SIGNATURE_FILE,
  SUMS_FILE,
  computeSha256Sums,
  formatSha256Sums,
} from './sha256sums.js';

export interface SealedBundle {
  /** Files listed in SHA256SUMS, the public key included. */
  files: number;
  fingerprint: string;
}

/**
 * Makes a finished run folder tamper-evident: lists every file's sha256 in SHA256SUMS and signs
 * that list. Call it last: a file written afterwards shows up as unlisted.
 */
export async function sealBundle(dir: string, key: EvidenceKey): Promise<SealedBundle> {
  // An old signature next to a new list would only read as tampering if sealing stopped halfway.
  await rm(`${dir}/${SIGNATURE_FILE}`, { force: true });
  // Written before the list so the list covers it like every other file of the bundle.
  await writeFile(`${dir}/${PUBLIC_KEY_FILE}`, key.publicKeyPem);
  const entries = await computeSha256Sums(dir);
  const sums = Buffer.from(formatSha256Sums(entries), 'utf8');
  await writeFile(`${dir}/${SUMS_FILE}`, sums);
  // Raw 64-byte signature over the exact bytes, so `openssl pkeyutl -verify -rawin` checks it.
  await writeFile(`${dir}/${SIGNATURE_FILE}`, sign(null, sums, key.privateKey));
  return { files: entries.length, fingerprint: key.fingerprint };
}
