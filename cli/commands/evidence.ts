import { Command } from 'commander';
import { loadTrustedPublicKey } from '../../harness/evidence/evidenceKey.js';
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
  3. with --key, that key is the trusted one (without it, anyone could have re-signed the folder)
  4. every file SHA256SUMS lists is there with the listed sha256
  5. no file is in the folder that SHA256SUMS does not list

Exit status: 0 verified, 1 the bundle fails a check, 2 bad usage (no such folder, unusable --key).

To check by hand, inside the evidence folder, with stock tools:
  sha256sum -c --strict SHA256SUMS
  openssl pkeyutl -verify -pubin -inkey SHA256SUMS.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
  cmp SHA256SUMS.pub.pem trusted.pub.pem     # the signer is the key you trust
(sha256sum -c does not notice files added to the folder; check 5 does.)

The signer's fingerprint, as printed here, by hand:
  openssl pkey -pubin -in SHA256SUMS.pub.pem -outform DER | openssl dgst -sha256 -binary | base64 | tr -d =

The public key to pin comes from the machine that signs (the private key stays there):
  openssl pkey -in .b2b/keys/evidence-ed25519.pem -pubout -out trusted.pub.pem
`;

/** `b2b evidence verify`: checks that a run's evidence folder is exactly what was signed. */
export function evidenceCommand(output: EvidenceOutput = processOutput): Command {
  const evidence = new Command('evidence').description(
    'signed evidence bundles: the output folder of a certification run, sealed with SHA256SUMS',
  );
  evidence
    .command('verify')
    .description(
      'check that an evidence folder is unchanged since it was sealed: the signature over ' +
        'SHA256SUMS, the signing key (pinned with --key), every listed file and no unlisted one',
    )
    .argument('<dir>', 'the evidence folder of a run (e.g. runs/<run-id>)')
    .option('--key <file>', 'trusted Ed25519 public key (PEM) the bundle must be signed with')
    .addHelpText('after', VERIFY_HELP)
    .action(async (dir: string, options: { key?: string }) => {
      const trusted =
        options.key === undefined ? undefined : await loadTrustedPublicKey(options.key);
      const verification = await verifyBundle(dir, { trustedPublicKeyPem: trusted?.publicKeyPem });
      if (!verification.ok) {
        output.err(`${verification.problem}: ${verification.file}: ${verification.detail}`);
        process.exitCode = EXIT.failed;
        return;
      }
      const pinned = verification.keyPinned
        ? '(key pinned)'
        : '(embedded key; pass --key to pin it)';
      output.out(
        `verified: ${verification.files} files unchanged; signed by ${verification.fingerprint} ${pinned}`,
      );
    });
  return evidence;
}
