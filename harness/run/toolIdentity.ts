import { readFile } from 'node:fs/promises';
import { projectPath } from '../../lib/projectPaths.js';

/** Which b2b and which Node produced a run, for the evidence. */
export async function toolIdentity(): Promise<{ name: string; version: string; node: string }> {
  const manifest = JSON.parse(await readFile(projectPath('package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name: manifest.name, version: manifest.version, node: process.version };
}
