import { readdir, readFile } from 'node:fs/promises';

/**
 * Resident memory of the pipeline under test, read from /proc (Linux): what a laptop or a CI
 * runner has to give it. Elsewhere the figures are absent, not invented.
 *
 * One process: its VmHWM, the kernel's own high-water mark, exact and covering its whole life
 * (start-up and warm-up included). Several (`--workers`): the kernel keeps no peak for a group, so
 * the sum of their VmRSS is sampled, and the largest sum seen is reported.
 */
export interface MemoryFigures {
  /** Right after the pipeline answered /readyz, before any load. */
  ready_rss_mb: number;
  /** The highest resident set of the run (see above for several processes). */
  peak_rss_mb: number;
  /** When the measured run ended. */
  end_rss_mb: number;
  /** "VmHWM" (exact) or "sampled" (several processes, every `SAMPLE_MS`). */
  peak_from: 'VmHWM' | 'sampled';
}

const SAMPLE_MS = 100;

export class MemoryWatch {
  readonly #pid: number;
  readonly #ready: number;
  readonly #timer: NodeJS.Timeout;
  #sampledPeak: number;
  #processes = 1;
  #stopped: Promise<MemoryFigures | undefined> | undefined;

  private constructor(pid: number, ready: number) {
    this.#pid = pid;
    this.#ready = ready;
    this.#sampledPeak = ready;
    this.#timer = setInterval(() => void this.#sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  /** Starts watching `pid` and its children; undefined where /proc cannot be read. */
  static async start(pid: number | undefined): Promise<MemoryWatch | undefined> {
    if (!pid) return undefined;
    const ready = await groupRss(pid).catch(() => undefined);
    return ready === undefined ? undefined : new MemoryWatch(pid, ready.rssKb);
  }

  /** Ends the watch; the figures at the first call (later calls return the same). */
  stop(): Promise<MemoryFigures | undefined> {
    this.#stopped ??= this.#finish();
    return this.#stopped;
  }

  async #finish(): Promise<MemoryFigures | undefined> {
    clearInterval(this.#timer);
    try {
      const end = await groupRss(this.#pid);
      const single = this.#processes === 1 && end.processes === 1;
      const peakKb = single
        ? Math.max(await statusKb(this.#pid, 'VmHWM'), end.rssKb)
        : Math.max(this.#sampledPeak, end.rssKb);
      return {
        ready_rss_mb: toMb(this.#ready),
        peak_rss_mb: toMb(peakKb),
        end_rss_mb: toMb(end.rssKb),
        peak_from: single ? 'VmHWM' : 'sampled',
      };
    } catch {
      return undefined;
    }
  }

  async #sample(): Promise<void> {
    const now = await groupRss(this.#pid).catch(() => undefined);
    if (!now) return;
    this.#sampledPeak = Math.max(this.#sampledPeak, now.rssKb);
    this.#processes = Math.max(this.#processes, now.processes);
  }
}

/**
 * VmRSS of a process plus its direct children that run the same program: the workers
 * `--workers` forks. Other children (tsx's esbuild service, ~15 MB) are not the pipeline's.
 */
async function groupRss(pid: number): Promise<{ rssKb: number; processes: number }> {
  let rssKb = await statusKb(pid, 'VmRSS');
  let processes = 1;
  for (const child of await childrenOf(pid)) {
    const childKb = await statusKb(child, 'VmRSS').catch(() => 0);
    if (childKb > 0) {
      rssKb += childKb;
      processes++;
    }
  }
  return { rssKb, processes };
}

async function childrenOf(pid: number): Promise<number[]> {
  const program = commandName(await readFile(`/proc/${pid}/stat`, 'utf8'));
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command name: state, then the parent pid.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (stat && parent === pid && commandName(stat) === program) children.push(Number(entry));
  }
  return children;
}

function commandName(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

async function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]);
}

function toMb(kb: number): number {
  return Math.round(kb / 1024);
}
