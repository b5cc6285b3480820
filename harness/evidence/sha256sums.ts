import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { ConfigError, type DataFileProblem } from '../../lib/errors.js';

/**
 * The checksum list of an evidence bundle, in the format of GNU coreutils' `sha256sum`, so an
 * auditor can check a bundle with `sha256sum -c SHA256SUMS` and no b2b installed.
 */

/** The bundle's checksum list, at its top level. */
export const SUMS_FILE = 'SHA256SUMS';
/** The raw Ed25519 signature over the exact bytes of SHA256SUMS. */
export const SIGNATURE_FILE = 'SHA256SUMS.sig';
/** The signer's public key (SPKI PEM); it is itself listed in SHA256SUMS. */
export const PUBLIC_KEY_FILE = 'SHA256SUMS.pub.pem';

export interface Sha256Entry {
  /** POSIX path relative to the bundle folder. */
  path: string;
  /** Lowercase hex. */
  sha256: string;
}

/** One file or other non-folder entry found in a bundle folder. */
export interface BundleEntry {
  path: string;
  /** False for symlinks, sockets and the like: they are never listed, so they show as unlisted. */
  regular: boolean;
}

/** Every regular file under `dir` except the sums file and its signature, sorted by path. */
export async function computeSha256Sums(dir: string): Promise<Sha256Entry[]> {
  const entries: Sha256Entry[] = [];
  for (const entry of await listBundleEntries(dir)) {
    if (!entry.regular) continue;
    entries.push({ path: entry.path, sha256: await sha256File(`${dir}/${entry.path}`) });
  }
  return entries;
}

/**
 * Walks `dir` without following symlinks (a link could point outside the bundle) and returns every
 * non-folder entry except the top-level SHA256SUMS and SHA256SUMS.sig, sorted by path.
 */
export async function listBundleEntries(dir: string): Promise<BundleEntry[]> {
  const found: BundleEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const absolute = relative === '' ? dir : `${dir}/${relative}`;
    for (const dirent of await readdir(absolute, { withFileTypes: true })) {
      const path = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      if (dirent.isDirectory()) await walk(path);
      else if (path !== SUMS_FILE && path !== SIGNATURE_FILE) {
        found.push({ path, regular: dirent.isFile() });
      }
    }
  };
  await walk('');
  return found.sort((a, b) => compareBytes(a.path, b.path));
}

/** Streams the file, so a large journal is never held in memory whole. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Byte order of the UTF-8 paths (what `LC_ALL=C sort` gives), not UTF-16 code-unit order. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `<64 hex>  <path>\n` per entry: sha256sum's text-mode line. */
export function formatSha256Sums(entries: readonly Sha256Entry[]): string {
  return entries
    .map((entry) => {
      // sha256sum would escape these with a leading backslash; a bundle never needs them.
      if (/[\n\r\\]/.test(entry.path)) {
        throw new Error(
          `cannot list ${JSON.stringify(entry.path)} in ${SUMS_FILE}: newline, CR or backslash in the name`,
        );
      }
      if (!/^[0-9a-f]{64}$/.test(entry.sha256)) {
        throw new Error(
          `cannot list ${entry.path} in ${SUMS_FILE}: ${JSON.stringify(entry.sha256)} is not a sha256 hex digest`,
        );
      }
      return `${entry.sha256}  ${entry.path}\n`;
    })
    .join('');
}

const LINE = /^([0-9a-f]{64}) {2}(.+)$/;

/**
 * Reads exactly what formatSha256Sums writes and nothing looser: a line in another shape, an unsafe
 * path or a repeated path is a ConfigError naming the line.
 */
export function parseSha256Sums(text: string): Sha256Entry[] {
  const problems: DataFileProblem[] = [];
  const entries: Sha256Entry[] = [];
  const seen = new Set<string>();
  const problem = (line: number, reason: string) =>
    problems.push({ file: SUMS_FILE, path: '', line, reason });
  const lines = text.split('\n');
  // What follows the final newline: nothing in a well-formed list.
  const unterminated = lines.pop();
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.includes('\r')) {
      problem(number, 'carriage return in the line (CRLF line endings?)');
      return;
    }
    const match = LINE.exec(line);
    if (!match) {
      problem(
        number,
        `expected "<64 lowercase hex digits>  <path>", found ${JSON.stringify(truncate(line))}`,
      );
      return;
    }
    const [, sha256 = '', path = ''] = match;
    const unsafe = unsafePathReason(path);
    if (unsafe) problem(number, `${JSON.stringify(truncate(path))}: ${unsafe}`);
    else if (seen.has(path)) problem(number, `${path} is listed twice`);
    else {
      seen.add(path);
      entries.push({ path, sha256 });
    }
  });
  if (unterminated) {
    problem(lines.length + 1, 'the last line does not end with a newline');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return entries;
}

/** Why a listed path could name something outside the bundle, or not one plain file in it. */
function unsafePathReason(path: string): string | undefined {
  if (path.startsWith('/')) return 'absolute path (a bundle lists only its own files)';
  if (path.includes('\\')) return 'backslash in the path (escaped sha256sum names are not used)';
  const segments = path.split('/');
  if (segments.includes('..')) return '".." segment (a bundle lists only its own files)';
  if (segments.some((segment) => segment === '' || segment === '.')) {
    return 'not a normalized relative path (empty or "." segment)';
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
