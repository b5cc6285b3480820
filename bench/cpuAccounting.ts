import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU seconds spent by the parties of a benchmark, read from /proc (Linux): the pipeline process,
 * this process (the load generator), and every PostgreSQL server process. On a shared 2-core
 * machine the split says who the bottleneck is. Elsewhere the figures are absent, not invented.
 */
export interface CpuSample {
  pipeline: number;
  loadGenerator: number;
  postgres: number;
}

const TICKS_PER_SECOND = 100;

export async function sampleCpu(pipelinePid: number | undefined): Promise<CpuSample | undefined> {
  try {
    let postgres = 0;
    let pipeline = 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      if (stat.includes('(postgres)')) postgres += ticks(stat);
      // The pipeline process and, with --workers, the worker processes it forked.
      else if (pipelinePid && (Number(entry) === pipelinePid || parentPid(stat) === pipelinePid)) {
        pipeline += ticks(stat);
      }
    }
    const own = process.cpuUsage();
    return {
      pipeline: pipeline / TICKS_PER_SECOND,
      loadGenerator: (own.user + own.system) / 1e6,
      postgres: postgres / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

export function cpuBetween(
  before: CpuSample | undefined,
  after: CpuSample | undefined,
  seconds: number,
) {
  if (!before || !after) return undefined;
  const share = (a: number, b: number) => Math.round(((b - a) / seconds) * 100) / 100;
  return {
    pipeline_cores: share(before.pipeline, after.pipeline),
    load_generator_cores: share(before.loadGenerator, after.loadGenerator),
    postgres_cores: share(before.postgres, after.postgres),
  };
}

function parentPid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function ticks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
