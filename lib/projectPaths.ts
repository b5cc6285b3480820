import { fileURLToPath } from 'node:url';

/** Folders of the b2b installation itself, wherever the command is run from. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

export function projectPath(...segments: string[]): string {
  return [PROJECT_ROOT.replace(/\/$/, ''), ...segments].join('/');
}

/** The command that runs the b2b CLI in a child process (node + the bin shim). */
export function b2bCommand(): { executable: string; args: string[] } {
  return { executable: process.execPath, args: [projectPath('bin', 'b2b.js')] };
}
