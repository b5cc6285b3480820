import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { UsageError } from '../../lib/errors.js';
import type { Redactor } from '../../lib/redact.js';

/**
 * The folder a run writes its evidence into. Paths are bundle-relative; nothing can be written
 * outside the folder, and everything written goes through the run's Redactor, the same rule as
 * logs (secrets, PII fields).
 */
export class EvidenceFolder {
  readonly dir: string;
  /** The run's redactor: the journal and the pipeline log, written beside, use it too. */
  readonly redactor: Redactor;
  readonly #createdHere: boolean;

  private constructor(dir: string, redactor: Redactor, createdHere: boolean) {
    this.dir = dir;
    this.redactor = redactor;
    this.#createdHere = createdHere;
  }

  /** Creates the folder; refuses one that already holds files (evidence is never overwritten). */
  static async create(dir: string, redactor: Redactor): Promise<EvidenceFolder> {
    const existing = await readdir(dir).catch(() => undefined);
    if (existing && existing.length > 0) {
      throw new UsageError(`evidence folder ${dir} is not empty; choose another --out`);
    }
    await mkdir(dir, { recursive: true });
    return new EvidenceFolder(dir, redactor, existing === undefined);
  }

  /** Leaves no half-written evidence when a run could not start: removes what it wrote. */
  async discard(): Promise<void> {
    if (this.#createdHere) {
      await rm(this.dir, { recursive: true, force: true });
      return;
    }
    for (const entry of await readdir(this.dir)) {
      await rm(join(this.dir, entry), { recursive: true, force: true });
    }
  }

  path(relativePath: string): string {
    const clean = normalize(relativePath);
    if (isAbsolute(clean) || clean.startsWith('..'))
      throw new Error(`artifact path ${relativePath} leaves the evidence folder`);
    return join(this.dir, clean);
  }

  relative(absolutePath: string): string {
    return relative(this.dir, absolutePath).split('\\').join('/');
  }

  async ensureDir(relativePath: string): Promise<string> {
    const dir = this.path(relativePath);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async writeText(relativePath: string, text: string): Promise<string> {
    return this.#write(relativePath, this.redactor.text(text));
  }

  async writeJson(relativePath: string, value: unknown): Promise<string> {
    return this.#write(relativePath, `${JSON.stringify(this.redactor.json(value), null, 2)}\n`);
  }

  async #write(relativePath: string, redacted: string): Promise<string> {
    const file = this.path(relativePath);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, redacted);
    return relativePath;
  }
}
