import { execFileSync, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isAtLeast,
  minimumVersion,
  nodeVersionProblem,
  parseVersion,
} from '../../bin/requiredNode.js';
import { projectPath } from '../../lib/projectPaths.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

// On a Node.js older than package.json's engines, `b2b` says which Node it needs, which it found
// and how to get one, in one line, and exits 2, before tsx or any dependency is loaded.

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-cli-node-');
});

afterAll(async () => {
  await cli?.dispose();
});

const ADVICE = 'install Node.js 24 (`nvm install 24`, or https://nodejs.org/en/download)';

describe('the version rule (bin/requiredNode.js)', () => {
  it('reads versions as Node prints them', () => {
    expect(parseVersion('22.12.0')).toEqual([22, 12, 0]);
    expect(parseVersion('v20.20.2')).toEqual([20, 20, 2]);
    expect(parseVersion('24')).toEqual([24, 0, 0]);
    expect(parseVersion('24.0.0-nightly2026')).toBeUndefined();
    expect(parseVersion('')).toBeUndefined();
  });

  it('compares numerically, part by part', () => {
    expect(isAtLeast([22, 12, 0], [22, 12, 0])).toBe(true);
    expect(isAtLeast([22, 11, 99], [22, 12, 0])).toBe(false);
    expect(isAtLeast([22, 100, 0], [22, 12, 0])).toBe(true);
    expect(isAtLeast([23, 0, 0], [22, 12, 0])).toBe(true);
    expect(isAtLeast([9, 99, 99], [22, 12, 0])).toBe(false);
  });

  it("understands package.json's engines.node, so the check is never silently off", async () => {
    const manifest = JSON.parse(await readFile(projectPath('package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(minimumVersion(manifest.engines.node)).toEqual([22, 12, 0]);
  });

  it('lets the program start on a range it cannot read rather than refuse by mistake', () => {
    expect(minimumVersion('^22.12 || >=24')).toBeUndefined();
    expect(nodeVersionProblem('16.0.0', '^22.12 || >=24')).toBeUndefined();
  });

  it.each(['22.12.0', '22.13.1', '23.0.0', '24.21.0'])(
    'accepts Node.js %s for >=22.12',
    (found) => {
      expect(nodeVersionProblem(found, '>=22.12', '/usr/bin/node')).toBeUndefined();
    },
  );

  it.each(['22.11.0', '20.20.2', '18.20.4', '0.12.0'])(
    'refuses Node.js %s for >=22.12, saying what it needs, what it found, and how to fix it',
    (found) => {
      expect(nodeVersionProblem(found, '>=22.12', '/usr/bin/node')).toBe(
        `b2b: needs Node.js >=22.12, found ${found} at /usr/bin/node; ${ADVICE} and run it again`,
      );
    },
  );
});

/** Runs bin/b2b.js on this Node, but with `process.versions.node` made to say `version`. */
function runAsNode(version: string, args: string[]) {
  const fake = `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });`;
  return runNode(process.execPath, [
    `--import=data:text/javascript,${encodeURIComponent(fake)}`,
    projectPath('bin', 'b2b.js'),
    ...args,
  ]);
}

function runNode(executable: string, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(executable, args, {
      cwd: cli.dir,
      env: cli.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.concurrent('b2b on a Node.js that is too old', () => {
  it('prints one line and exits 2 before loading anything: no run, no evidence folder', async ({
    expect,
  }) => {
    const out = join(cli.dir, 'never-written');
    const run = await runAsNode('22.11.0', ['certify', '--out', out]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `b2b: needs Node.js >=22.12, found 22.11.0 at ${process.execPath}; ${ADVICE} and run it again\n`,
    });
    expect(existsSync(out)).toBe(false);
  });

  it('starts on exactly the lowest version allowed', async ({ expect }) => {
    const run = await runAsNode('22.12.0', ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('Usage: b2b [options] [command]')).toBe(true);
  });

  const old = oldNodeOnThisMachine();
  it.skipIf(!old.executable)(
    old.executable
      ? `on a real ${old.version} (${old.executable}) too, instead of a dependency's TypeError`
      : `on a real old Node.js too (skipped: ${old.why})`,
    async ({ expect }) => {
      const run = await runNode(old.executable as string, [
        projectPath('bin', 'b2b.js'),
        'certify',
        '--partner',
        'p_001',
      ]);
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr: `b2b: needs Node.js >=22.12, found ${(old.version as string).slice(1)} at ${realpathSync(old.executable as string)}; ${ADVICE} and run it again\n`,
      });
    },
  );
});

/**
 * A Node.js older than 22.12 to run the real thing with: B2B_OLD_NODE if set, or the system's
 * node when it is one (CI installs a current Node over it, so it often is not).
 */
function oldNodeOnThisMachine(): { executable?: string; version?: string; why: string } {
  const candidates = [process.env.B2B_OLD_NODE, '/usr/bin/node', '/usr/bin/nodejs'].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  for (const executable of candidates) {
    if (!existsSync(executable)) continue;
    let version: string;
    try {
      version = execFileSync(executable, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      continue;
    }
    const parsed = parseVersion(version);
    if (parsed && !isAtLeast(parsed, [22, 12, 0])) return { executable, version, why: '' };
  }
  return {
    why: `no Node.js older than 22.12 at ${candidates.join(', ')}; set B2B_OLD_NODE to one`,
  };
}
