import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../../lib/projectPaths.js';

// Memory stays flat whatever a scenario's size: exchanges stream to the evidence folder and the
// oracles read them back, so what the harness keeps does not grow with the number of exchanges.
// Each storm runs in a process of its own (exchangeStorm.ts) and reports its own peak RSS and the
// live heap after garbage collection, sampled through the storm. Bounds, never times.

interface Storm {
  exchanges: number;
  verdicts: string[];
  report: { sent: number; acknowledged: number };
  peak_rss_mb: number;
  retained_heap_mb: number;
}

/** The V8 flags `b2b` itself runs with (its shebang), so a storm measures what a user gets. */
function b2bNodeFlags(): string[] {
  const shebang = readFileSync(projectPath('bin/b2b.js'), 'utf8').split('\n')[0] ?? '';
  return shebang.split(/\s+/).filter((word) => word.startsWith('--'));
}

async function storm(mode: 'log' | 'webhook', count: number): Promise<Storm> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      ...b2bNodeFlags(),
      '--expose-gc',
      '--import',
      'tsx',
      projectPath('test/harness/exchanges/exchangeStorm.ts'),
      mode,
      String(count),
    ],
    { cwd: projectPath(), maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as Storm;
}

describe('the exchange stream keeps memory flat', () => {
  it('judges 200,000 exchanges in under 300 MB, keeping no more than it keeps for 2,000', async () => {
    const small = await storm('log', 2_000);
    const large = await storm('log', 200_000);
    expect(large).toMatchObject({
      exchanges: 200_000,
      verdicts: ['pass', 'pass'],
      report: { sent: 200_000, acknowledged: 200_000 },
    });
    expect(large.peak_rss_mb).toBeLessThan(300);
    expect(large.retained_heap_mb - small.retained_heap_mb).toBeLessThan(8);
  }, 120_000);

  it('runs a 200,000-delivery webhook scenario in under 300 MB, keeping what a small one keeps', async () => {
    // 200 events, each in a burst of 1000, signed and sent over loopback to a stub inbox, with
    // the V8 flags the b2b command runs with.
    expect(b2bNodeFlags()).toContain('--max-semi-space-size=16');
    const small = await storm('webhook', 2_000);
    const large = await storm('webhook', 200_000);
    expect(large).toMatchObject({
      exchanges: 200_000,
      verdicts: ['pass', 'pass'],
      report: { sent: 200_000, acknowledged: 200_000 },
    });
    expect(large.retained_heap_mb - small.retained_heap_mb).toBeLessThan(8);
    expect(large.peak_rss_mb).toBeLessThan(300);
  }, 240_000);
});
