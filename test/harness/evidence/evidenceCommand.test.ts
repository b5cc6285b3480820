import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evidenceCommand } from '../../../cli/commands/evidence.js';
import { EXIT } from '../../../cli/exitCodes.js';
import {
  loadOrCreateEvidenceKey,
  type EvidenceKey,
} from '../../../harness/evidence/evidenceKey.js';
import { sealBundle } from '../../../harness/evidence/sealBundle.js';
import { ConfigError, UsageError } from '../../../lib/errors.js';

// The command is driven in-process: bin/b2b.js loads every command module, and this test should
// depend on the evidence command alone.

let scratch: string;
let bundle: string;
let key: EvidenceKey;
let savedExitCode: typeof process.exitCode;

beforeEach(async () => {
  savedExitCode = process.exitCode;
  process.exitCode = undefined;
  scratch = await mkdtemp(join(tmpdir(), 'b2b-evidence-cli-'));
  bundle = join(scratch, 'run');
  await mkdir(join(bundle, 'scenarios/B-002'), { recursive: true });
  await writeFile(join(bundle, 'result.json'), '{}\n');
  await writeFile(join(bundle, 'scenarios/B-002/journal.ndjson'), '{"step":"send"}\n');
  key = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'signer'), env: {} });
  await sealBundle(bundle, key);
});

afterEach(async () => {
  process.exitCode = savedExitCode;
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `b2b evidence <args>` and returns what it printed, the exit code it set and what it threw. */
async function b2bEvidence(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const command = evidenceCommand({ out: (line) => out.push(line), err: (line) => err.push(line) });
  for (const each of [command, ...command.commands]) {
    each.exitOverride().configureOutput({
      writeOut: (text) => out.push(text),
      writeErr: (text) => err.push(text),
    });
  }
  let thrown: unknown;
  await command.parseAsync(['node', 'b2b-evidence', ...args]).catch((error: unknown) => {
    thrown = error;
  });
  return { out, err, exitCode: process.exitCode, thrown };
}

describe('b2b evidence verify', () => {
  it('prints one line naming the file count and the embedded signer', async () => {
    expect(await b2bEvidence('verify', bundle)).toEqual({
      out: [
        `verified: 3 files unchanged; signed by ${key.fingerprint} (embedded key; pass --key to pin it)`,
      ],
      err: [],
      exitCode: undefined,
      thrown: undefined,
    });
  });

  it('says the key is pinned when --key names the signer public key', async () => {
    const trusted = join(scratch, 'trusted.pub.pem');
    await writeFile(trusted, key.publicKeyPem);
    const { out, exitCode, thrown } = await b2bEvidence('verify', bundle, '--key', trusted);
    expect(out).toEqual([`verified: 3 files unchanged; signed by ${key.fingerprint} (key pinned)`]);
    expect(exitCode).toBeUndefined();
    expect(thrown).toBeUndefined();
  });

  it('names the changed file on stderr and exits 1', async () => {
    const journal = join(bundle, 'scenarios/B-002/journal.ndjson');
    await writeFile(journal, `${await readFile(journal, 'utf8')}{"step":"forged"}\n`);
    expect(await b2bEvidence('verify', bundle)).toEqual({
      out: [],
      err: ['changed: scenarios/B-002/journal.ndjson: sha256 differs from SHA256SUMS'],
      exitCode: EXIT.failed,
      thrown: undefined,
    });
  });

  it('exits 1 with untrusted_key when the bundle is signed by a key other than the pinned one', async () => {
    const other = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'other'), env: {} });
    const trusted = join(scratch, 'other.pub.pem');
    await writeFile(trusted, other.publicKeyPem);
    const { out, err, exitCode } = await b2bEvidence('verify', bundle, '--key', trusted);
    expect(out).toEqual([]);
    expect(err).toEqual([
      `untrusted_key: SHA256SUMS.pub.pem: signed by ${key.fingerprint}, not by the trusted key ${other.fingerprint}`,
    ]);
    expect(exitCode).toBe(EXIT.failed);
  });

  it('throws UsageError for a folder that does not exist (exit 2 in the CLI)', async () => {
    const { thrown, exitCode } = await b2bEvidence('verify', join(scratch, 'no-such-run'));
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toContain('no-such-run');
    expect(exitCode).toBeUndefined(); // main maps the error to exit 2
  });

  it('throws ConfigError for a --key that is missing or is a private key', async () => {
    const missing = await b2bEvidence('verify', bundle, '--key', join(scratch, 'nope.pem'));
    expect(missing.thrown).toBeInstanceOf(ConfigError);
    expect((missing.thrown as Error).message).toContain('nope.pem');
    const privateKeyFile = join(scratch, 'signer', '.b2b/keys/evidence-ed25519.pem');
    const privateKey = await b2bEvidence('verify', bundle, '--key', privateKeyFile);
    expect(privateKey.thrown).toBeInstanceOf(ConfigError);
    expect((privateKey.thrown as Error).message).toMatch(/is a private key/);
  });

  it('explains in --help what is checked and how to check by hand', async () => {
    const { out, thrown } = await b2bEvidence('verify', '--help');
    expect(thrown).toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
    const help = out.join('');
    expect(help).toContain('--key <file>');
    expect(help).toContain('sha256sum -c --strict SHA256SUMS');
    expect(help).toContain(
      'openssl pkeyutl -verify -pubin -inkey SHA256SUMS.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig',
    );
  });
});
