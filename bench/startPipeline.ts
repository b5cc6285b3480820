import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { b2bCommand } from '../lib/projectPaths.js';

/** A free loopback port, for a child that cannot report its own. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The pipeline as users run it (`b2b pipeline serve`), in its own process so it does not share a
 * CPU core's event loop with the load generator. Its log goes to /dev/null at the production
 * level (info): logging is part of the cost being measured.
 */
export async function startPipeline(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  workers = 1,
  /** Node options for the pipeline process, e.g. `--cpu-prof` (written when it stops). */
  nodeOptions: string[] = [],
  /** More `pipeline serve` options, e.g. `--partners <dir>`. */
  serveOptions: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const command = b2bCommand();
  const child = spawn(
    command.executable,
    [
      ...nodeOptions,
      ...command.args,
      'pipeline',
      'serve',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--workers',
      String(workers),
      ...serveOptions,
    ],
    {
      env: { ...process.env, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pipeline exited: ${stderr}`);
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`pipeline not ready after 120 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
