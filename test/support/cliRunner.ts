import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { b2bCommand } from '../../lib/projectPaths.js';

/**
 * Runs the real `b2b` command (node + bin/b2b.js) in a child process, from a scratch folder, with
 * an explicit environment: the caller's, minus DATABASE_URL (the bundled pipeline then uses
 * embedded PGlite) and any partner secret or ops token that leaked in, plus an evidence key of
 * the scratch folder's own, so nothing is ever written into the repository's .b2b/ or runs/.
 */
export interface CliScratch {
  /** The scratch folder: the child's cwd; put --out folders here. */
  dir: string;
  /** The Ed25519 evidence key (PKCS#8 PEM) the runs sign with. */
  keyFile: string;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  dispose(): Promise<void>;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long (a hung run fails the test instead of hanging it). */
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function createCliScratch(prefix = 'b2b-cli-'): Promise<CliScratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const keyFile = join(dir, 'evidence-ed25519.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(base)) {
      if (name === 'DATABASE_URL' || name === 'B2B_OPS_TOKEN' || /^B2B_P_\d+_/.test(name))
        delete base[name];
    }
    return { ...base, B2B_EVIDENCE_KEY: keyFile, ...extra };
  };
  return {
    dir,
    keyFile,
    env,
    run: (args, options = {}) => runB2b(args, { cwd: dir, env: options.env ?? env(), ...options }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

export function runB2b(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  const command = b2bCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(command.executable, [...command.args, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
