import { Command, InvalidArgumentError, Option } from 'commander';
import { isFingerprint } from '../../harness/evidence/evidenceKey.js';
import {
  addTrustedKey,
  displayPath,
  loadLocalTrust,
  pinnedFingerprint,
  pinnedKey,
  trustedKeysDir,
  type TrustedSigner,
  type TrustOptions,
} from '../../harness/evidence/trustedSigners.js';
import { verifyBundle } from '../../harness/evidence/verifyBundle.js';
import { EXIT } from '../exitCodes.js';

/** Where the command's lines go; the process streams unless a test captures them. */
export interface EvidenceOutput {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: EvidenceOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const VERIFY_HELP = `
What is checked, in this order (the first problem found is reported):
  1. SHA256SUMS, SHA256SUMS.sig and SHA256SUMS.pub.pem are present and well-formed
  2. SHA256SUMS.sig is an Ed25519 signature over SHA256SUMS by the key in SHA256SUMS.pub.pem
  3. every file SHA256SUMS lists is there with the listed sha256
  4. no file is in the folder that SHA256SUMS does not list
  5. the signer is trusted: the key pinned with --key or --fingerprint, else one of this
     machine's trusted signers (b2b evidence trust list). The key inside the bundle is never
     trusted for being there: anyone can change a folder, re-sign it and ship their own key.

Trusted without a pin: this machine's evidence key (B2B_EVIDENCE_KEY, else
.b2b/keys/evidence-ed25519.pem) and every *.pem public key in B2B_TRUSTED_KEYS, else
.b2b/keys/trusted/ (add one with: b2b evidence trust add <pem> --name <signer>).

Exit status: 0 verified, 1 the bundle fails a check or its signer is not trusted,
2 bad usage (no such folder, unusable --key, malformed --fingerprint, bad trust list).

To check by hand, inside the evidence folder, with stock tools:
  sha256sum -c --strict SHA256SUMS
  openssl pkeyutl -verify -pubin -inkey SHA256SUMS.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
  cmp SHA256SUMS.pub.pem trusted.pub.pem     # the signer is the key you trust
(sha256sum -c does not notice files added to the folder; check 4 does.)

The signer's fingerprint, as printed here, by hand:
  openssl pkey -pubin -in SHA256SUMS.pub.pem -outform DER | openssl dgst -sha256 -binary | base64 | tr -d =

The key to pin comes from the machine that signs (the private key stays there):
  openssl pkey -in .b2b/keys/evidence-ed25519.pem -pubout -out trusted.pub.pem
  b2b evidence trust list                     # its fingerprint, first line
`;

const TRUST_HELP = `
A signer is trusted when its public key is in the trust folder: B2B_TRUSTED_KEYS, else
.b2b/keys/trusted/ (one Ed25519 public key per *.pem file, named after the signer). This
machine's own evidence key is always trusted. Get a signer's public key or fingerprint from
them, not from a bundle they sent: a bundle's SHA256SUMS.pub.pem is whoever signed it last.
`;

/** Where trust is looked up; the process's unless a test points it at a scratch folder. */
export type EvidenceContext = TrustOptions;

/**
 * `b2b evidence verify` checks that a run's evidence folder is exactly what a trusted signer
 * sealed; `b2b evidence trust` manages who is trusted without a pin.
 */
export function evidenceCommand(
  output: EvidenceOutput = processOutput,
  context: EvidenceContext = {},
): Command {
  const evidence = new Command('evidence').description(
    'signed evidence bundles: the output folder of a certification run, sealed with SHA256SUMS',
  );
  evidence
    .command('verify')
    .description(
      'check that an evidence folder is unchanged since a trusted signer sealed it: the ' +
        'signature over SHA256SUMS, every listed file, no unlisted one, and the signer (pinned ' +
        'with --key or --fingerprint, else trusted on this machine)',
    )
    .argument('<dir>', 'the evidence folder of a run (e.g. runs/<run-id>)')
    .option('--key <file>', 'trusted Ed25519 public key (PEM) the bundle must be signed with')
    .addOption(
      new Option(
        '--fingerprint <SHA256:…>',
        'fingerprint of the key the bundle must be signed with',
      )
        .argParser(parseFingerprint)
        .conflicts('key'),
    )
    .addHelpText('after', VERIFY_HELP)
    .action(async (dir: string, options: { key?: string; fingerprint?: string }) => {
      const pinned = await pinnedSigner(options, context);
      const trusted = pinned ? [pinned] : await loadLocalTrust(context);
      const verification = await verifyBundle(dir, { trusted });
      if (!verification.ok) {
        output.err(`${verification.problem}: ${verification.file}: ${verification.detail}`);
        // A pin says who must have signed; only an unpinned check can be fixed by trusting someone.
        if (!pinned && verification.fingerprint !== undefined) {
          for (const line of howToTrust(dir, verification.fingerprint, context)) output.err(line);
        }
        process.exitCode = EXIT.failed;
        return;
      }
      output.out(
        `verified: ${verification.files} files unchanged; signed by ${verification.fingerprint} (${verification.trustedAs})`,
      );
    });

  const trust = evidence
    .command('trust')
    .description(
      "the signers verify accepts without a pin: this machine's evidence key and the public " +
        'keys in .b2b/keys/trusted (or B2B_TRUSTED_KEYS)',
    )
    .addHelpText('after', TRUST_HELP);
  trust
    .command('add')
    .description('trust a signer: copy its Ed25519 public key (PEM) into the trust folder')
    .argument('<pem>', "the signer's public key, e.g. from `openssl pkey -pubout`")
    .option(
      '--name <name>',
      'who signs with it; the file becomes <name>.pub.pem (default: the file name)',
    )
    .addHelpText('after', TRUST_HELP)
    .action(async (pem: string, options: { name?: string }) => {
      const result = await addTrustedKey(pem, options.name, context);
      const where = displayPath(result.file, context.cwd);
      output.out(
        result.added
          ? `trusted ${result.fingerprint}: ${where}`
          : `already trusted ${result.fingerprint} (${result.already ?? 'trust list'}): ${where}`,
      );
    });
  trust
    .command('list')
    .description(
      'the trusted signers, one per line: fingerprint, who, and the file it is read from',
    )
    .addHelpText('after', TRUST_HELP)
    .action(async () => {
      const signers = await loadLocalTrust(context);
      if (signers.length === 0) {
        const folder = displayPath(trustedKeysDir(context).dir, context.cwd);
        output.out(
          `no trusted signers: no evidence key on this machine yet and no key in ${folder}; ` +
            'add one with `npx b2b evidence trust add <public key PEM> --name <signer>`',
        );
        return;
      }
      for (const signer of signers) output.out(describeSigner(signer, context));
    });
  return evidence;
}

function parseFingerprint(value: string): string {
  if (!isFingerprint(value)) {
    throw new InvalidArgumentError(
      'expected SHA256: and 43 base64 characters, as verify and `b2b evidence trust list` print it',
    );
  }
  return value;
}

async function pinnedSigner(
  options: { key?: string; fingerprint?: string },
  context: EvidenceContext,
): Promise<TrustedSigner | undefined> {
  if (options.key !== undefined) return pinnedKey(options.key, context);
  return options.fingerprint === undefined ? undefined : pinnedFingerprint(options.fingerprint);
}

/** The ways to trust the signer of an intact bundle, each a command to copy. */
function howToTrust(dir: string, fingerprint: string, context: EvidenceContext): string[] {
  const folder = displayPath(trustedKeysDir(context).dir, context.cwd);
  return [
    `If ${fingerprint} is the fingerprint the signer gave you (ask them; the bundle cannot vouch for itself), pin it:`,
    `  npx b2b evidence verify ${shellWord(dir)} --fingerprint ${fingerprint}`,
    `  npx b2b evidence verify ${shellWord(dir)} --key <signer's public key PEM>`,
    `or trust that signer from now on (adds the key to ${folder}):`,
    "  npx b2b evidence trust add <signer's public key PEM> --name <signer>",
  ];
}

function describeSigner(signer: TrustedSigner, context: EvidenceContext): string {
  const file = signer.file === undefined ? '' : ` (${displayPath(signer.file, context.cwd)})`;
  return `${signer.fingerprint}  ${signer.label}${file}`;
}

/** The path as one shell word, so the printed command can be pasted as it is. */
function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
