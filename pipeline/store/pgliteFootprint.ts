import { setFlagsFromString } from 'node:v8';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/**
 * Server settings for the embedded database, chosen for a small resident footprint: `b2b` runs on
 * laptops and shared CI runners, and a certification run stores thousands of rows, not millions.
 * Out of the box PGlite keeps PostgreSQL's server defaults (128 MB of shared buffers, tables sized
 * for `max_connections=100`), and all of it lives inside the WebAssembly heap, where a page once
 * touched stays resident for the life of the process: a WebAssembly memory never shrinks.
 *
 * - shared_buffers: the pool that fills up under load. 16 MB holds the inbox's hot index pages;
 *   a page evicted from it is still in the OS page cache, since the data folder is a real folder.
 * - wal_buffers, temp_buffers: 1 MB is plenty for one session writing one batch at a time.
 * - max_connections: PGlite is a single session, but lock and process tables are sized by it.
 *
 * The WebAssembly heap itself cannot start smaller: PGlite's module declares 128 MB as its
 * minimum (`initialMemory` below that fails to link), and only the pages used become resident.
 */
export const PGLITE_FOOTPRINT_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  wal_buffers: '1MB',
  temp_buffers: '1MB',
  max_connections: '4',
};

/** The options every embedded database is opened with, the template's builder included. */
export function pgliteFootprintOptions(): Pick<PGliteOptions, 'startParams'> {
  keepWasmOnBaselineCompiler();
  return {
    // startParams replaces PGlite's own list, so its defaults (single-user mode, no workers) go first.
    startParams: [
      ...PGlite.defaultStartParams,
      ...Object.entries(PGLITE_FOOTPRINT_SETTINGS).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
  };
}

/**
 * V8 runs WebAssembly with a baseline compiler (Liftoff) and re-compiles hot functions with
 * TurboFan in the background. One of PGlite's functions has a 100 KB body: TurboFan takes over
 * 600 MB and 5–15 CPU seconds to compile it, a second or two after the database opens, so an idle
 * pipeline peaked at 1 GB. On the baseline compiler that peak and that CPU burst are gone; the
 * price is slower SQL: the inbox's batch statement costs ~40 % more CPU (16 ms instead of 11 ms
 * per 64 deliveries), which a certification run never earns back from the compile it saves.
 * `B2B_PGLITE_TIER_UP=1` keeps TurboFan, for long PGlite runs where speed matters more than memory.
 *
 * The flag is process-wide, with no per-module switch, so it is set only in a process that opens
 * an embedded store, before PGlite's module is compiled (other WebAssembly in that process, such
 * as the HTTP parser behind fetch, stays on the baseline compiler too). `--wasm-tier-up-filter=N`
 * means "tier up only the function with index N"; no function has this one.
 */
let baselineCompilerChosen = false;
function keepWasmOnBaselineCompiler(): void {
  if (baselineCompilerChosen || process.env.B2B_PGLITE_TIER_UP === '1') return;
  setFlagsFromString('--wasm-tier-up-filter=2147483647');
  baselineCompilerChosen = true;
}
