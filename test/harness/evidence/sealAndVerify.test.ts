import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadOrCreateEvidenceKey,
  type EvidenceKey,
} from '../../../harness/evidence/evidenceKey.js';
import { sealBundle } from '../../../harness/evidence/sealBundle.js';
import { verifyBundle, type VerifyBundleOptions } from '../../../harness/evidence/verifyBundle.js';
import { UsageError } from '../../../lib/errors.js';

const SHA256SUM = '/usr/bin/sha256sum';
const OPENSSL = '/usr/bin/openssl';

let scratch: string;
let bundle: string;
let key: EvidenceKey;
let otherKey: EvidenceKey;

/** A run folder shaped like a real one: results at the top, per-scenario folders below. */
const FILES: Record<string, string> = {
  'result.json': '{"run_id":"20261123T144400Z-3f9a1c","seed":42}\n',
  'report.html': '<!doctype html><title>b2b</title>\n',
  'partners/p_001/connectivity.json': '[{"check":"tls","ok":true}]\n',
  'scenarios/B-001/journal.ndjson': '{"step":"send"}\n{"step":"ack"}\n',
  'scenarios/B-002/journal.ndjson': '{"step":"send"}\n{"step":"send-again"}\n',
  'scenarios/B-002/oracles/no_duplicate_effect.json': '{"verdict":"fail"}\n',
};

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'b2b-bundle-'));
  bundle = join(scratch, 'runs', '20261123T144400Z-3f9a1c');
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(bundle, path, '..'), { recursive: true });
    await writeFile(join(bundle, path), text);
  }
  // Keys live outside the bundle, as they do for real.
  key = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'signer'), env: {} });
  otherKey = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'attacker'), env: {} });
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Verify options that trust only the key the bundle was sealed with, as a pin would. */
function trustingSigner(): VerifyBundleOptions {
  return { trusted: [{ fingerprint: key.fingerprint, label: 'the signer' }] };
}

async function flipOneByte(path: string): Promise<void> {
  const bytes = await readFile(join(bundle, path));
  bytes[3] = (bytes[3] ?? 0) ^ 0x01;
  await writeFile(join(bundle, path), bytes);
}

describe('sealBundle + verifyBundle', () => {
  it('seals every file, the public key included, and verifies the untouched bundle', async () => {
    const sealed = await sealBundle(bundle, key);
    expect(sealed).toEqual({ files: Object.keys(FILES).length + 1, fingerprint: key.fingerprint });
    expect(await readFile(join(bundle, 'SHA256SUMS.pub.pem'), 'utf8')).toBe(key.publicKeyPem);
    expect((await readFile(join(bundle, 'SHA256SUMS.sig'))).length).toBe(64);
    const listed = (await readFile(join(bundle, 'SHA256SUMS'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => line.slice(66));
    expect(listed).toEqual([
      'SHA256SUMS.pub.pem',
      'partners/p_001/connectivity.json',
      'report.html',
      'result.json',
      'scenarios/B-001/journal.ndjson',
      'scenarios/B-002/journal.ndjson',
      'scenarios/B-002/oracles/no_duplicate_effect.json',
    ]);

    expect(await verifyBundle(bundle, trustingSigner())).toEqual({
      ok: true,
      files: 7,
      fingerprint: key.fingerprint,
      trustedAs: 'the signer',
    });
  });

  it('names exactly the nested file whose one byte changed', async () => {
    await sealBundle(bundle, key);
    await flipOneByte('scenarios/B-002/journal.ndjson');
    expect(await verifyBundle(bundle, trustingSigner())).toEqual({
      ok: false,
      problem: 'changed',
      file: 'scenarios/B-002/journal.ndjson',
      detail: 'sha256 differs from SHA256SUMS',
    });
  });

  it('names the first listed file when two are changed, whatever order they were changed in', async () => {
    await sealBundle(bundle, key);
    await flipOneByte('scenarios/B-002/oracles/no_duplicate_effect.json');
    await flipOneByte('result.json');
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      ok: false,
      problem: 'changed',
      file: 'result.json',
    });
  });

  it('reports a deleted file as missing', async () => {
    await sealBundle(bundle, key);
    await unlink(join(bundle, 'scenarios/B-001/journal.ndjson'));
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      ok: false,
      problem: 'missing',
      file: 'scenarios/B-001/journal.ndjson',
    });
  });

  it('reports a deleted folder as its first missing file', async () => {
    await sealBundle(bundle, key);
    await rm(join(bundle, 'scenarios/B-002'), { recursive: true });
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      problem: 'missing',
      file: 'scenarios/B-002/journal.ndjson',
    });
  });

  it('reports an added file as unlisted, the first in sorted order', async () => {
    await sealBundle(bundle, key);
    await mkdir(join(bundle, 'scenarios/B-003'));
    await writeFile(join(bundle, 'scenarios/B-003/journal.ndjson'), '{}\n');
    await writeFile(join(bundle, 'scenarios/B-002/extra.txt'), 'planted\n');
    expect(await verifyBundle(bundle, trustingSigner())).toEqual({
      ok: false,
      problem: 'unlisted',
      file: 'scenarios/B-002/extra.txt',
      detail: 'in the folder but not listed in SHA256SUMS',
    });
  });

  it('reports a symlink put in place of a listed file as changed, even to identical bytes', async () => {
    await sealBundle(bundle, key);
    const copy = join(scratch, 'copy.json');
    await writeFile(copy, FILES['result.json'] ?? '');
    await unlink(join(bundle, 'result.json'));
    await symlink(copy, join(bundle, 'result.json'));
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      problem: 'changed',
      file: 'result.json',
    });
  });

  it('catches SHA256SUMS rewritten to match a tampered file, at the signature', async () => {
    await sealBundle(bundle, key);
    const path = 'scenarios/B-002/journal.ndjson';
    await flipOneByte(path);
    const forgedHash = createHash('sha256')
      .update(await readFile(join(bundle, path)))
      .digest('hex');
    const sums = await readFile(join(bundle, 'SHA256SUMS'), 'utf8');
    const forged = sums.replace(
      /^[0-9a-f]{64}(?= {2}scenarios\/B-002\/journal\.ndjson$)/m,
      forgedHash,
    );
    expect(forged).not.toBe(sums);
    await writeFile(join(bundle, 'SHA256SUMS'), forged);

    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      ok: false,
      problem: 'signature',
      file: 'SHA256SUMS',
    });
  });

  it('refuses a signature made by another key, and a truncated one', async () => {
    await sealBundle(bundle, key);
    const sums = await readFile(join(bundle, 'SHA256SUMS'));
    await writeFile(join(bundle, 'SHA256SUMS.sig'), sign(null, sums, otherKey.privateKey));
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      problem: 'signature',
      file: 'SHA256SUMS',
    });

    await writeFile(
      join(bundle, 'SHA256SUMS.sig'),
      sign(null, sums, key.privateKey).subarray(0, 63),
    );
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      problem: 'signature',
      file: 'SHA256SUMS',
    });
  });

  it('refuses a bundle changed and resealed with another key, though it matches its signature', async () => {
    await sealBundle(bundle, key);
    await flipOneByte('result.json');
    await sealBundle(bundle, otherKey); // a tamperer with their own key and write access

    expect(await verifyBundle(bundle, trustingSigner())).toEqual({
      ok: false,
      problem: 'untrusted_key',
      file: 'SHA256SUMS.pub.pem',
      fingerprint: otherKey.fingerprint,
      detail: `signed by ${otherKey.fingerprint}, not by the trusted ${key.fingerprint} (the signer); the files match that signature, which proves nothing until its signer is trusted`,
    });
    // Trusting nobody, or a list the tamperer is not on, refuses it the same way.
    expect(await verifyBundle(bundle, { trusted: [] })).toMatchObject({
      problem: 'untrusted_key',
      fingerprint: otherKey.fingerprint,
      detail: expect.stringContaining('and no signer is trusted on this machine') as unknown,
    });
    const third = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'third'), env: {} });
    const list = [
      { fingerprint: key.fingerprint, label: 'the signer' },
      { fingerprint: third.fingerprint, label: 'someone else' },
    ];
    expect(await verifyBundle(bundle, { trusted: list })).toMatchObject({
      problem: 'untrusted_key',
      detail: expect.stringContaining(
        `signed by ${otherKey.fingerprint}, a key this machine does not trust`,
      ) as unknown,
    });
  });

  it('accepts a bundle whose signer is any one of the trusted signers, and says which', async () => {
    await sealBundle(bundle, otherKey);
    const list = [
      { fingerprint: key.fingerprint, label: 'the signer' },
      { fingerprint: otherKey.fingerprint, label: 'partner-qa, from the trust list' },
    ];
    expect(await verifyBundle(bundle, { trusted: list })).toEqual({
      ok: true,
      files: 7,
      fingerprint: otherKey.fingerprint,
      trustedAs: 'partner-qa, from the trust list',
    });
  });

  it('names a changed file before an untrusted signer', async () => {
    await sealBundle(bundle, otherKey);
    await flipOneByte('report.html');
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      problem: 'changed',
      file: 'report.html',
    });
  });

  it('reports a missing SHA256SUMS, signature or public key as an unsealed bundle', async () => {
    await expect(verifyBundle(bundle, trustingSigner())).resolves.toMatchObject({
      problem: 'missing_sums',
      file: 'SHA256SUMS',
    });
    for (const name of ['SHA256SUMS.sig', 'SHA256SUMS.pub.pem']) {
      await sealBundle(bundle, key);
      await unlink(join(bundle, name));
      expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
        problem: 'missing_sums',
        file: name,
      });
    }
  });

  it('reports a malformed SHA256SUMS with the line, and an unparseable public key', async () => {
    await sealBundle(bundle, key);
    const sums = await readFile(join(bundle, 'SHA256SUMS'), 'utf8');
    await writeFile(join(bundle, 'SHA256SUMS'), `${sums}${'0'.repeat(64)}  ../../etc/passwd\n`);
    const malformed = await verifyBundle(bundle, trustingSigner());
    expect(malformed).toMatchObject({ problem: 'malformed', file: 'SHA256SUMS' });
    expect(malformed.ok ? '' : malformed.detail).toMatch(/^line 8: .*"\.\." segment/);

    await sealBundle(bundle, key);
    await writeFile(join(bundle, 'SHA256SUMS.pub.pem'), 'not a key\n');
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({
      problem: 'malformed',
      file: 'SHA256SUMS.pub.pem',
    });
  });

  it('verifies again after resealing a changed bundle', async () => {
    await sealBundle(bundle, key);
    await writeFile(join(bundle, 'late.txt'), 'written after the first seal\n');
    expect((await sealBundle(bundle, key)).files).toBe(8);
    expect(await verifyBundle(bundle, trustingSigner())).toMatchObject({ ok: true, files: 8 });
  });

  it('throws UsageError only when the folder itself is not there', async () => {
    await expect(verifyBundle(join(scratch, 'no-such-run'), trustingSigner())).rejects.toThrow(
      UsageError,
    );
    await writeFile(join(scratch, 'a-file'), '');
    await expect(verifyBundle(join(scratch, 'a-file'), trustingSigner())).rejects.toThrow(
      UsageError,
    );
  });
});

describe('a sealed bundle checked with stock tools', () => {
  function requireTool(path: string): void {
    // A missing tool must fail the test: a skipped cross-check would look like a passing one.
    expect(existsSync(path), `${path} is needed to cross-check the bundle format`).toBe(true);
  }

  it('passes `sha256sum -c --strict SHA256SUMS` inside the folder', async () => {
    requireTool(SHA256SUM);
    await sealBundle(bundle, key);
    const run = spawnSync(SHA256SUM, ['-c', '--strict', 'SHA256SUMS'], {
      cwd: bundle,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('scenarios/B-002/journal.ndjson: OK');

    await flipOneByte('scenarios/B-002/journal.ndjson');
    const tampered = spawnSync(SHA256SUM, ['-c', '--quiet', 'SHA256SUMS'], {
      cwd: bundle,
      encoding: 'utf8',
    });
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('scenarios/B-002/journal.ndjson: FAILED');
  });

  it('passes `openssl pkeyutl -verify -rawin` with the embedded key, and fails once SHA256SUMS changes', async () => {
    requireTool(OPENSSL);
    await sealBundle(bundle, key);
    const args = [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      'SHA256SUMS.pub.pem',
      '-rawin',
      '-in',
      'SHA256SUMS',
      '-sigfile',
      'SHA256SUMS.sig',
    ];
    const run = spawnSync(OPENSSL, args, { cwd: bundle, encoding: 'utf8' });
    expect(run.stdout.trim()).toBe('Signature Verified Successfully');
    expect(run.status).toBe(0);

    await writeFile(
      join(bundle, 'SHA256SUMS'),
      `${await readFile(join(bundle, 'SHA256SUMS'), 'utf8')}\n`,
    );
    const tampered = spawnSync(OPENSSL, args, { cwd: bundle, encoding: 'utf8' });
    expect(tampered.stdout).toContain('Signature Verification Failure');
    expect(tampered.status).not.toBe(0);
  });

  it('gives the same fingerprint as the openssl pipeline in the verify help', async () => {
    requireTool(OPENSSL);
    await sealBundle(bundle, key);
    const fromOpenssl = execFileSync(
      '/bin/sh',
      [
        '-c',
        'openssl pkey -pubin -in SHA256SUMS.pub.pem -outform DER | openssl dgst -sha256 -binary | base64 | tr -d =',
      ],
      { cwd: bundle, encoding: 'utf8' },
    );
    expect(`SHA256:${fromOpenssl.trim()}`).toBe(key.fingerprint);
  });
});
