import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evidenceCommand, type EvidenceContext } from '../../../cli/commands/evidence.js';
import { EXIT } from '../../../cli/exitCodes.js';
import {
  loadOrCreateEvidenceKey,
  type EvidenceKey,
} from '../../../harness/evidence/evidenceKey.js';
import { sealBundle } from '../../../harness/evidence/sealBundle.js';
import { ConfigError, UsageError } from '../../../lib/errors.js';
import { createCliScratch, type CliScratch } from '../../support/cliRunner.js';

// The command is driven in-process: bin/b2b.js loads every command module, and these tests should
// depend on the evidence command alone. Each test has two machines, as folders: the signer's,
// whose default evidence key sealed the bundle, and an auditor's, which trusts nobody yet.

let scratch: string;
let bundle: string;
let key: EvidenceKey;
let signer: EvidenceContext;
let auditor: EvidenceContext;
let savedExitCode: typeof process.exitCode;

beforeEach(async () => {
  savedExitCode = process.exitCode;
  process.exitCode = undefined;
  scratch = await mkdtemp(join(tmpdir(), 'b2b-evidence-cli-'));
  bundle = join(scratch, 'run');
  await mkdir(join(bundle, 'scenarios/B-002'), { recursive: true });
  await writeFile(join(bundle, 'result.json'), '{}\n');
  await writeFile(join(bundle, 'scenarios/B-002/journal.ndjson'), '{"step":"send"}\n');
  signer = { cwd: join(scratch, 'signer'), env: {} };
  auditor = { cwd: join(scratch, 'auditor'), env: {} };
  await mkdir(auditor.cwd ?? '', { recursive: true });
  key = await loadOrCreateEvidenceKey(signer);
  await sealBundle(bundle, key);
});

afterEach(async () => {
  process.exitCode = savedExitCode;
  await rm(scratch, { recursive: true, force: true });
});

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

/** Runs `b2b evidence <args>` on a machine; returns what it printed, the exit code and what it threw. */
async function b2bEvidence(machine: EvidenceContext, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const command = evidenceCommand(
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    machine,
  );
  for (const each of everyCommand(command)) {
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

async function publicKeyFile(name: string, pem: string): Promise<string> {
  const file = join(scratch, name);
  await writeFile(file, pem);
  return file;
}

/** What an attacker with write access does: change a file, reseal with their own key. */
async function tamperAndReseal(): Promise<EvidenceKey> {
  const attacker = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'attacker'), env: {} });
  await writeFile(join(bundle, 'result.json'), '{"verdict":"certified"}\n');
  await sealBundle(bundle, attacker);
  return attacker;
}

function untrustedLines(fingerprint: string, detail: string, trustFolder: string): string[] {
  return [
    `untrusted_key: SHA256SUMS.pub.pem: signed by ${fingerprint}, ${detail}; the files match that signature, which proves nothing until its signer is trusted`,
    `If ${fingerprint} is the fingerprint the signer gave you (ask them; the bundle cannot vouch for itself), pin it:`,
    `  npx b2b evidence verify ${bundle} --fingerprint ${fingerprint}`,
    `  npx b2b evidence verify ${bundle} --key <signer's public key PEM>`,
    `or trust that signer from now on (adds the key to ${trustFolder}):`,
    "  npx b2b evidence trust add <signer's public key PEM> --name <signer>",
  ];
}

describe('b2b evidence verify: who is trusted', () => {
  it('passes on the machine that signed it: its own evidence key is trusted', async () => {
    expect(await b2bEvidence(signer, 'verify', bundle)).toEqual({
      out: [
        `verified: 3 files unchanged; signed by ${key.fingerprint} (this machine's evidence key)`,
      ],
      err: [],
      exitCode: undefined,
      thrown: undefined,
    });
  });

  it('trusts the key B2B_EVIDENCE_KEY names, wherever it is kept', async () => {
    const machine = {
      cwd: auditor.cwd,
      env: { B2B_EVIDENCE_KEY: join(scratch, 'signer/.b2b/keys/evidence-ed25519.pem') },
    };
    const { out, exitCode } = await b2bEvidence(machine, 'verify', bundle);
    expect(out).toEqual([
      `verified: 3 files unchanged; signed by ${key.fingerprint} (this machine's evidence key)`,
    ]);
    expect(exitCode).toBeUndefined();
  });

  it('refuses an intact bundle from a signer it does not know, and says how to pin it', async () => {
    expect(await b2bEvidence(auditor, 'verify', bundle)).toEqual({
      out: [],
      err: untrustedLines(
        key.fingerprint,
        'and no signer is trusted on this machine',
        '.b2b/keys/trusted',
      ),
      exitCode: EXIT.failed,
      thrown: undefined,
    });
    // Verifying never creates an evidence key: the auditor's machine still trusts nobody.
    expect(await b2bEvidence(auditor, 'trust', 'list')).toMatchObject({
      out: [expect.stringMatching(/^no trusted signers: /)],
    });
  });

  it('refuses a bundle changed and resealed with another key, even on the machine that signed it', async () => {
    const attacker = await tamperAndReseal();
    const { out, err, exitCode } = await b2bEvidence(signer, 'verify', bundle);
    expect(out).toEqual([]);
    expect(err).toEqual(
      untrustedLines(
        attacker.fingerprint,
        `not by the trusted ${key.fingerprint} (this machine's evidence key)`,
        '.b2b/keys/trusted',
      ),
    );
    expect(exitCode).toBe(EXIT.failed);
  });

  it('passes with the signer pinned by --key or by --fingerprint, on a machine that trusts nobody', async () => {
    const trusted = await publicKeyFile('trusted.pub.pem', key.publicKeyPem);
    const byKey = await b2bEvidence(auditor, 'verify', bundle, '--key', trusted);
    expect(byKey).toMatchObject({
      out: [
        `verified: 3 files unchanged; signed by ${key.fingerprint} (pinned with --key ${trusted})`,
      ],
      exitCode: undefined,
      thrown: undefined,
    });
    const byFingerprint = await b2bEvidence(
      auditor,
      'verify',
      bundle,
      '--fingerprint',
      key.fingerprint,
    );
    expect(byFingerprint).toMatchObject({
      out: [
        `verified: 3 files unchanged; signed by ${key.fingerprint} (pinned with --fingerprint)`,
      ],
      exitCode: undefined,
      thrown: undefined,
    });
  });

  it('refuses the resealed bundle when the real signer is pinned, naming both keys', async () => {
    const attacker = await tamperAndReseal();
    const trusted = await publicKeyFile('trusted.pub.pem', key.publicKeyPem);
    for (const [option, value, label] of [
      ['--fingerprint', key.fingerprint, 'pinned with --fingerprint'],
      ['--key', trusted, `pinned with --key ${trusted}`],
    ] as const) {
      process.exitCode = undefined;
      const { out, err, exitCode } = await b2bEvidence(auditor, 'verify', bundle, option, value);
      expect(out).toEqual([]);
      // A pin says who must have signed: no advice to trust someone else.
      expect(err).toEqual([
        `untrusted_key: SHA256SUMS.pub.pem: signed by ${attacker.fingerprint}, not by the trusted ${key.fingerprint} (${label}); the files match that signature, which proves nothing until its signer is trusted`,
      ]);
      expect(exitCode).toBe(EXIT.failed);
    }
  });

  it('pins over the trust list: a wrong --fingerprint fails even where the signer is trusted', async () => {
    const other = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'other'), env: {} });
    const { err, exitCode } = await b2bEvidence(
      signer,
      'verify',
      bundle,
      '--fingerprint',
      other.fingerprint,
    );
    expect(err).toEqual([
      expect.stringContaining(
        `signed by ${key.fingerprint}, not by the trusted ${other.fingerprint} (pinned with --fingerprint)`,
      ),
    ]);
    expect(exitCode).toBe(EXIT.failed);
  });

  it('trusts the public keys in .b2b/keys/trusted, by file name', async () => {
    const folder = join(auditor.cwd ?? '', '.b2b/keys/trusted');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'acme-qa.pub.pem'), key.publicKeyPem);
    const { out, exitCode } = await b2bEvidence(auditor, 'verify', bundle);
    expect(out).toEqual([
      `verified: 3 files unchanged; signed by ${key.fingerprint} (acme-qa, from the trust list)`,
    ]);
    expect(exitCode).toBeUndefined();
  });

  it('reads the trust folder from B2B_TRUSTED_KEYS instead, and refuses one that is not there', async () => {
    const folder = join(scratch, 'shared-trust');
    await mkdir(folder);
    await writeFile(join(folder, 'acme-qa.pem'), key.publicKeyPem);
    const machine = { cwd: auditor.cwd, env: { B2B_TRUSTED_KEYS: folder } };
    expect((await b2bEvidence(machine, 'verify', bundle)).out).toEqual([
      `verified: 3 files unchanged; signed by ${key.fingerprint} (acme-qa, from the trust list)`,
    ]);

    const missing = { cwd: auditor.cwd, env: { B2B_TRUSTED_KEYS: join(scratch, 'nope') } };
    const { thrown } = await b2bEvidence(missing, 'verify', bundle);
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(
      `${join(scratch, 'nope')}: trust folder does not exist (named by B2B_TRUSTED_KEYS)`,
    );
  });

  it('refuses to verify against a trust folder holding a file that is not a public key', async () => {
    const folder = join(auditor.cwd ?? '', '.b2b/keys/trusted');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'acme-qa.pub.pem'), key.publicKeyPem);
    await writeFile(join(folder, 'broken.pem'), 'not a key\n');
    const { thrown, out } = await b2bEvidence(auditor, 'verify', bundle);
    expect(out).toEqual([]);
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(
      `${join(folder, 'broken.pem')}: is not a PEM public key`,
    );
  });
});

describe('b2b evidence verify: what is checked and bad usage', () => {
  it('names the changed file on stderr and exits 1', async () => {
    const journal = join(bundle, 'scenarios/B-002/journal.ndjson');
    await writeFile(journal, `${await readFile(journal, 'utf8')}{"step":"forged"}\n`);
    expect(await b2bEvidence(signer, 'verify', bundle)).toEqual({
      out: [],
      err: ['changed: scenarios/B-002/journal.ndjson: sha256 differs from SHA256SUMS'],
      exitCode: EXIT.failed,
      thrown: undefined,
    });
  });

  it.each([
    ['no prefix', 'abc'],
    ['lowercase prefix', (key0) => key0.replace('SHA256:', 'sha256:')],
    ['padded', (key0) => `${key0}=`],
    ['truncated', (key0) => key0.slice(0, -1)],
    ['an MD5 fingerprint', () => 'MD5:3b:5a:8c:1e:00:11:22:33:44:55:66:77:88:99:aa:bb'],
  ] as [string, string | ((fingerprint: string) => string)][])(
    'rejects a --fingerprint in another shape (%s) as bad usage, exit 2 in the CLI',
    async (_, shape) => {
      const value = typeof shape === 'string' ? shape : shape(key.fingerprint);
      const { thrown, out, exitCode } = await b2bEvidence(
        signer,
        'verify',
        bundle,
        '--fingerprint',
        value,
      );
      expect(thrown).toBeInstanceOf(CommanderError);
      expect(thrown).toMatchObject({ code: 'commander.invalidArgument' });
      expect((thrown as Error).message).toContain('expected SHA256: and 43 base64 characters');
      expect(out).toEqual([]);
      expect(exitCode).toBeUndefined(); // main maps a CommanderError to exit 2
    },
  );

  it('refuses --key and --fingerprint together: one pin, one signer', async () => {
    const trusted = await publicKeyFile('trusted.pub.pem', key.publicKeyPem);
    const { thrown } = await b2bEvidence(
      signer,
      'verify',
      bundle,
      '--key',
      trusted,
      '--fingerprint',
      key.fingerprint,
    );
    expect(thrown).toMatchObject({ code: 'commander.conflictingOption' });
  });

  it('throws UsageError for a folder that does not exist (exit 2 in the CLI)', async () => {
    const { thrown, exitCode } = await b2bEvidence(signer, 'verify', join(scratch, 'no-such-run'));
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toContain('no-such-run');
    expect(exitCode).toBeUndefined(); // main maps the error to exit 2
  });

  it('throws ConfigError for a --key that is missing or is a private key', async () => {
    const missing = await b2bEvidence(signer, 'verify', bundle, '--key', join(scratch, 'nope.pem'));
    expect(missing.thrown).toBeInstanceOf(ConfigError);
    expect((missing.thrown as Error).message).toContain('nope.pem');
    const privateKeyFile = join(scratch, 'signer', '.b2b/keys/evidence-ed25519.pem');
    const privateKey = await b2bEvidence(signer, 'verify', bundle, '--key', privateKeyFile);
    expect(privateKey.thrown).toBeInstanceOf(ConfigError);
    expect((privateKey.thrown as Error).message).toMatch(/is a private key/);
  });

  it('explains in --help what is checked, who is trusted and how to check by hand', async () => {
    const { out, thrown } = await b2bEvidence(signer, 'verify', '--help');
    expect(thrown).toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
    const help = out.join('');
    expect(help).toContain('--key <file>');
    expect(help).toContain('--fingerprint <SHA256:…>');
    expect(help).toContain('B2B_TRUSTED_KEYS');
    expect(help).toContain('b2b evidence trust add <pem> --name <signer>');
    expect(help).toContain('sha256sum -c --strict SHA256SUMS');
    expect(help).toContain(
      'openssl pkeyutl -verify -pubin -inkey SHA256SUMS.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig',
    );
  });
});

describe('b2b evidence trust', () => {
  it('adds a public key under a name, lists it, and verify then trusts its bundles', async () => {
    const pem = await publicKeyFile('from-acme.pub.pem', key.publicKeyPem);
    expect(await b2bEvidence(auditor, 'trust', 'add', pem, '--name', 'acme-qa')).toMatchObject({
      out: [`trusted ${key.fingerprint}: .b2b/keys/trusted/acme-qa.pub.pem`],
      thrown: undefined,
    });
    expect(
      await readFile(join(auditor.cwd ?? '', '.b2b/keys/trusted/acme-qa.pub.pem'), 'utf8'),
    ).toBe(key.publicKeyPem);
    expect((await b2bEvidence(auditor, 'trust', 'list')).out).toEqual([
      `${key.fingerprint}  acme-qa, from the trust list (.b2b/keys/trusted/acme-qa.pub.pem)`,
    ]);
    expect((await b2bEvidence(auditor, 'verify', bundle)).out).toEqual([
      `verified: 3 files unchanged; signed by ${key.fingerprint} (acme-qa, from the trust list)`,
    ]);
  });

  it('names the file after the key file without --name, and adds a key only once', async () => {
    const pem = await publicKeyFile('acme.pub.pem', key.publicKeyPem);
    expect((await b2bEvidence(auditor, 'trust', 'add', pem)).out).toEqual([
      `trusted ${key.fingerprint}: .b2b/keys/trusted/acme.pub.pem`,
    ]);
    expect((await b2bEvidence(auditor, 'trust', 'add', pem, '--name', 'again')).out).toEqual([
      `already trusted ${key.fingerprint} (acme, from the trust list): .b2b/keys/trusted/acme.pub.pem`,
    ]);
  });

  it("lists this machine's own evidence key first, and says it is already trusted", async () => {
    const pem = await publicKeyFile('mine.pub.pem', key.publicKeyPem);
    expect((await b2bEvidence(signer, 'trust', 'list')).out).toEqual([
      `${key.fingerprint}  this machine's evidence key (.b2b/keys/evidence-ed25519.pem)`,
    ]);
    expect((await b2bEvidence(signer, 'trust', 'add', pem)).out).toEqual([
      `already trusted ${key.fingerprint} (this machine's evidence key): .b2b/keys/evidence-ed25519.pem`,
    ]);
  });

  it('never replaces a trusted key by another under the same name', async () => {
    const other = await loadOrCreateEvidenceKey({ cwd: join(scratch, 'other'), env: {} });
    await b2bEvidence(
      auditor,
      'trust',
      'add',
      await publicKeyFile('acme.pub.pem', key.publicKeyPem),
    );
    const impostor = await publicKeyFile('impostor.pem', other.publicKeyPem);
    const { thrown } = await b2bEvidence(auditor, 'trust', 'add', impostor, '--name', 'acme');
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(/acme\.pub\.pem already holds another key/);
    expect(await readFile(join(auditor.cwd ?? '', '.b2b/keys/trusted/acme.pub.pem'), 'utf8')).toBe(
      key.publicKeyPem,
    );
  });

  it('refuses a private key, and a name that is not a plain file name', async () => {
    const privateKeyFile = join(scratch, 'signer', '.b2b/keys/evidence-ed25519.pem');
    const privateKey = await b2bEvidence(auditor, 'trust', 'add', privateKeyFile);
    expect(privateKey.thrown).toBeInstanceOf(ConfigError);
    expect((privateKey.thrown as Error).message).toMatch(/is a private key/);

    const pem = await publicKeyFile('acme.pub.pem', key.publicKeyPem);
    const badName = await b2bEvidence(auditor, 'trust', 'add', pem, '--name', '../escape');
    expect(badName.thrown).toBeInstanceOf(UsageError);
    expect((await b2bEvidence(auditor, 'trust', 'list')).out).toEqual([
      expect.stringMatching(/^no trusted signers: /),
    ]);
  });
});

describe('b2b evidence verify: exit codes of the real command', () => {
  let cli: CliScratch;
  let cliBundle: string;
  let cliKey: EvidenceKey;

  beforeAll(async () => {
    cli = await createCliScratch('b2b-evidence-exit-');
    cliBundle = join(cli.dir, 'run');
    await mkdir(cliBundle);
    await writeFile(join(cliBundle, 'result.json'), '{}\n');
    cliKey = await loadOrCreateEvidenceKey({ keyFile: cli.keyFile, env: {} });
    await sealBundle(cliBundle, cliKey);
  });

  afterAll(async () => {
    await cli?.dispose();
  });

  it('0 signed by this machine, 1 by a stranger, 2 for a malformed --fingerprint', async () => {
    const ownKey = await cli.run(['evidence', 'verify', cliBundle]);
    expect(ownKey).toMatchObject({ code: EXIT.ok, stderr: '' });

    // The same bundle on a machine whose evidence key is another one.
    const stranger = await loadOrCreateEvidenceKey({ cwd: join(cli.dir, 'elsewhere'), env: {} });
    const elsewhere = cli.env({
      B2B_EVIDENCE_KEY: join(cli.dir, 'elsewhere/.b2b/keys/evidence-ed25519.pem'),
    });
    expect(stranger.fingerprint).not.toBe(cliKey.fingerprint);
    const untrusted = await cli.run(['evidence', 'verify', cliBundle], { env: elsewhere });
    expect(untrusted.code).toBe(EXIT.failed);
    expect(untrusted.stdout).toBe('');
    expect(untrusted.stderr).toContain(`--fingerprint ${cliKey.fingerprint}`);

    const malformed = await cli.run(['evidence', 'verify', cliBundle, '--fingerprint', 'abc']);
    expect(malformed.code).toBe(EXIT.usage);
    expect(malformed.stderr).toContain('expected SHA256: and 43 base64 characters');
  });
});
