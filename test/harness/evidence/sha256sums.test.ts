import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeSha256Sums,
  formatSha256Sums,
  parseSha256Sums,
} from '../../../harness/evidence/sha256sums.js';
import { ConfigError } from '../../../lib/errors.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2b-sums-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('computeSha256Sums', () => {
  it('hashes every file in nested folders, sorted by path bytes, skipping the seal files', async () => {
    await mkdir(join(dir, 'scenarios/B-002'), { recursive: true });
    await writeFile(join(dir, 'scenarios/B-002/journal.ndjson'), 'abc');
    await writeFile(join(dir, 'result.json'), '');
    await writeFile(join(dir, 'Z-upper.txt'), 'abc');
    await writeFile(join(dir, 'SHA256SUMS'), 'old list');
    await writeFile(join(dir, 'SHA256SUMS.sig'), 'old signature');
    await writeFile(join(dir, 'scenarios/SHA256SUMS'), 'abc'); // only the top-level one is the list

    expect(await computeSha256Sums(dir)).toEqual([
      { path: 'Z-upper.txt', sha256: ABC_SHA256 },
      { path: 'result.json', sha256: EMPTY_SHA256 },
      { path: 'scenarios/B-002/journal.ndjson', sha256: ABC_SHA256 },
      { path: 'scenarios/SHA256SUMS', sha256: ABC_SHA256 },
    ]);
  });

  it('orders by UTF-8 bytes like `LC_ALL=C sort`, not by UTF-16 code units', async () => {
    // U+FF21 sorts after U+1F600 in UTF-16 (0xFF21 > 0xD83D) but before it in UTF-8 bytes.
    await writeFile(join(dir, '\u{1F600}.txt'), '');
    await writeFile(join(dir, '\uFF21.txt'), '');
    const paths = (await computeSha256Sums(dir)).map((entry) => entry.path);
    expect(paths).toEqual(['\uFF21.txt', '\u{1F600}.txt']);
  });

  it('does not follow symlinks out of the folder', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'b2b-outside-'));
    try {
      await writeFile(join(outside, 'secret.txt'), 'abc');
      await symlink(outside, join(dir, 'linked-folder'));
      await writeFile(join(dir, 'a.txt'), 'abc');
      expect((await computeSha256Sums(dir)).map((entry) => entry.path)).toEqual(['a.txt']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('matches sha256sum on a file larger than one read chunk', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await writeFile(join(dir, 'journal.ndjson'), big);
    const [entry] = await computeSha256Sums(dir);
    const expected = execFileSync('/usr/bin/sha256sum', ['journal.ndjson'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(`${entry?.sha256}  ${entry?.path}\n`).toBe(expected);
  });
});

describe('formatSha256Sums', () => {
  it('writes sha256sum text-mode lines: hash, two spaces, path, newline', () => {
    expect(
      formatSha256Sums([
        { path: 'a.txt', sha256: ABC_SHA256 },
        { path: 'dir/b c.txt', sha256: EMPTY_SHA256 },
      ]),
    ).toBe(`${ABC_SHA256}  a.txt\n${EMPTY_SHA256}  dir/b c.txt\n`);
  });

  it('refuses a name sha256sum would have to escape', () => {
    expect(() => formatSha256Sums([{ path: 'a\nb', sha256: ABC_SHA256 }])).toThrow(/newline/);
    expect(() => formatSha256Sums([{ path: 'a\\b', sha256: ABC_SHA256 }])).toThrow(/backslash/);
  });
});

describe('parseSha256Sums', () => {
  it('reads back what formatSha256Sums writes', () => {
    const entries = [
      { path: 'a.txt', sha256: ABC_SHA256 },
      { path: 'scenarios/B-002/journal.ndjson', sha256: EMPTY_SHA256 },
    ];
    expect(parseSha256Sums(formatSha256Sums(entries))).toEqual(entries);
    expect(parseSha256Sums('')).toEqual([]);
  });

  it.each([
    ['one space', `${ABC_SHA256} a.txt\n`, /line 1|expected/],
    ['binary-mode marker', `${ABC_SHA256} *a.txt\n`, /expected/],
    ['short hash', `${ABC_SHA256.slice(1)}  a.txt\n`, /expected/],
    ['uppercase hash', `${ABC_SHA256.toUpperCase()}  a.txt\n`, /expected/],
    ['absolute path', `${ABC_SHA256}  /etc/passwd\n`, /absolute/],
    ['.. segment', `${ABC_SHA256}  scenarios/../../etc/passwd\n`, /"\.\."/],
    ['leading ..', `${ABC_SHA256}  ../outside.txt\n`, /"\.\."/],
    ['empty segment', `${ABC_SHA256}  a//b.txt\n`, /normalized/],
    ['CRLF line ending', `${ABC_SHA256}  a.txt\r\n`, /carriage return/],
    ['no final newline', `${ABC_SHA256}  a.txt`, /newline/],
    ['repeated path', `${ABC_SHA256}  a.txt\n${EMPTY_SHA256}  a.txt\n`, /listed twice/],
  ])('rejects %s', (_label, text, reason) => {
    expect(() => parseSha256Sums(text)).toThrow(ConfigError);
    expect(() => parseSha256Sums(text)).toThrow(reason);
  });

  it('names the line number of each malformed line', () => {
    const text = `${ABC_SHA256}  a.txt\n${ABC_SHA256}  b.txt\nnot a checksum line\n${ABC_SHA256}  ../c\n`;
    let thrown: unknown;
    try {
      parseSha256Sums(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems;
    expect(problems.map((problem) => problem.line)).toEqual([3, 4]);
    expect((thrown as ConfigError).message).toContain('SHA256SUMS:3:');
  });
});
