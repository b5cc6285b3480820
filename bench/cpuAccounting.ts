import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * CPU seconds spent by the parties of a benchmark, read from /proc (Linux): the pipeline process
 * (and the workers it forked), this process (the load generator), and PostgreSQL. On a shared
 * 2-core machine the split says who the bottleneck is. Elsewhere the figures are absent, not
 * invented.
 *
 * PostgreSQL's share is the backends serving the pipeline's own connections plus the server's
 * shared processes (WAL writer, checkpointer, …); other clients' backends are left out, since
 * other people's test suites may be using the same server. Counted per process, so a process
 * that comes or goes during the run cannot make a share negative.
 */
export interface CpuSample {
  /** Ticks by pid: the pipeline and its workers. */
  pipeline: Map<number, number>;
  /** Ticks by pid: PostgreSQL processes that work for the pipeline. */
  postgres: Map<number, number>;
  /** Seconds of CPU of this process. */
  loadGenerator: number;
}

const TICKS_PER_SECOND = 100;

export async function sampleCpu(pipelinePid: number | undefined): Promise<CpuSample | undefined> {
  try {
    const pipeline = new Map<number, number>();
    const postgres = new Map<number, number>();
    const candidates: { pid: number; ticks: number }[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      if (!stat) continue;
      if (stat.includes('(postgres)')) candidates.push({ pid, ticks: ticks(stat) });
      // The pipeline process and, with --workers, the worker processes it forked.
      else if (pipelinePid && (pid === pipelinePid || parentPid(stat) === pipelinePid)) {
        pipeline.set(pid, ticks(stat));
      }
    }
    const pipelinePorts = await localTcpPorts([...pipeline.keys()]);
    for (const { pid, ticks: used } of candidates) {
      const client = clientPort(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''));
      if (client === undefined || pipelinePorts.has(client)) postgres.set(pid, used);
    }
    const own = process.cpuUsage();
    return { pipeline, postgres, loadGenerator: (own.user + own.system) / 1e6 };
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
  const share = (used: number) => Math.round((used / seconds) * 100) / 100;
  return {
    pipeline_cores: share(ticksBetween(before.pipeline, after.pipeline) / TICKS_PER_SECOND),
    load_generator_cores: share(after.loadGenerator - before.loadGenerator),
    postgres_cores: share(ticksBetween(before.postgres, after.postgres) / TICKS_PER_SECOND),
  };
}

/** A process seen only at the end started during the run: all its ticks count. */
function ticksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, used] of after) total += used - (before.get(pid) ?? 0);
  return total;
}

/**
 * A PostgreSQL process title: `postgres: 15/main: postgres test 127.0.0.1(54321) idle` for a
 * client's backend (the client's port in brackets), no address for the server's own processes.
 */
function clientPort(cmdline: string): number | undefined {
  const match = /\((\d+)\)/.exec(cmdline.replaceAll('\0', ' '));
  return match ? Number(match[1]) : undefined;
}

/** The local ports of the TCP sockets these processes hold open (their database connections). */
async function localTcpPorts(pids: number[]): Promise<Set<number>> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9] as string)) {
        ports.add(parseInt((fields[1] as string).split(':')[1] as string, 16));
      }
    }
  }
  return ports;
}

function parentPid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function ticks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
