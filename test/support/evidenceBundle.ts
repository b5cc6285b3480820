import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../harness/model/runResult.js';
import type { JournalEntry } from '../../simulators/journal.js';

/** Reading a run's evidence folder the way an auditor would: as files. */

/** Every file in the bundle, bundle-relative with `/`, sorted. */
export async function bundleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

export async function readResult(dir: string): Promise<RunResult> {
  return JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as RunResult;
}

export async function readNdjson<T = Record<string, unknown>>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export async function readJournal(dir: string, scenarioId: string): Promise<JournalEntry[]> {
  return readNdjson<JournalEntry>(join(dir, 'scenarios', scenarioId, 'journal.ndjson'));
}

/** The bundle-relative files whose bytes contain `text`. */
export async function filesContaining(dir: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await bundleFiles(dir)) {
    if ((await readFile(join(dir, file))).includes(text)) found.push(file);
  }
  return found;
}
