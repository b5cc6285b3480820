import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { WiringSetting } from '../../contracts/ops/sutWiring.js';
import { RunError } from '../../lib/errors.js';
import { b2bCommand } from '../../lib/projectPaths.js';
import type { Redactor } from '../../lib/redact.js';
import { OpsClient } from './opsClient.js';
import { PipelineLog } from './pipelineLog.js';
import type { SystemUnderTest } from './systemUnderTest.js';

export interface BundledPipelineOptions {
  partnersDir: string;
  /** What the flows provisioned (secrets, partner server addresses) and the time scale. */
  settings: WiringSetting[];
  /** PGlite folder for this run; ignored when `env.DATABASE_URL` is set. */
  dataDir: string;
  /** Where the full (redacted) pipeline log goes. */
  logFile: string;
  /** The run's redactor: learns the ops token made here, and redacts the pipeline's log. */
  redactor: Redactor;
  /** The environment the pipeline inherits (DATABASE_URL passes through from here). */
  env: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/**
 * Starts the bundled pipeline as a child process on an ephemeral loopback port, wired with what
 * the flows provisioned for the run: each setting goes into the child's environment (secrets
 * only there, never to disk), as does a fresh ops token. Partner-side servers are already up, so
 * the pipeline can reach them from its first moment. Resolves once the child says where it
 * listens.
 */
export async function startBundledPipeline(
  options: BundledPipelineOptions,
): Promise<SystemUnderTest> {
  const wiredEnv: Record<string, string> = {};
  for (const setting of options.settings)
    if (setting.value !== undefined) wiredEnv[setting.variable] = setting.value;
  const opsToken = randomBytes(24).toString('base64url');
  options.redactor.addSecrets([opsToken]);
  const log = new PipelineLog({ redactor: options.redactor });
  log.writeTo(options.logFile);

  const command = b2bCommand();
  const child = spawn(
    command.executable,
    [
      ...command.args,
      'pipeline',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--partners',
      options.partnersDir,
      '--data-dir',
      options.dataDir,
    ],
    {
      env: { ...options.env, ...wiredEnv, B2B_OPS_TOKEN: opsToken, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });

  let url: string;
  let engine: string | undefined;
  try {
    ({ url, engine } = await waitUntilListening(
      child,
      log,
      options.readyTimeoutMs ?? 60_000,
      stderr,
      options.redactor,
    ));
  } catch (error) {
    child.kill('SIGKILL');
    await log.close();
    throw error;
  }
  const ops = new OpsClient(url, opsToken);
  return {
    mode: 'bundled',
    url,
    engine,
    ops,
    log,
    async stop() {
      await ops.close();
      await stopChild(child);
      await log.close();
    },
  };
}

function waitUntilListening(
  child: ChildProcess,
  log: PipelineLog,
  timeoutMs: number,
  stderr: string[],
  redactor: Redactor,
): Promise<{ url: string; engine?: string }> {
  // The child's stderr reaches the user in the error: redacted like its log.
  const stderrText = () => redactor.text(stderr.join('').trim());
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            new RunError(
              `the bundled pipeline did not start within ${timeoutMs} ms\n${stderrText()}`,
            ),
          ),
        ),
      timeoutMs,
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (raw) => {
      const line = log.accept(raw);
      if (line?.msg === 'pipeline listening' && typeof line.url === 'string') {
        const url = line.url;
        settle(() =>
          resolve({ url, engine: typeof line.engine === 'string' ? line.engine : undefined }),
        );
      }
    });
    child.once('exit', (code, signal) =>
      settle(() =>
        reject(
          new RunError(
            `the bundled pipeline exited before listening (code ${code ?? signal})\n${stderrText()}`,
          ),
        ),
      ),
    );
    child.once('error', (error) => settle(() => reject(error)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
