import { projectPath } from '../../lib/projectPaths.js';

/** The command that reruns one scenario exactly: same seed, same SUT, same data folders. */
export function rerunCommand(
  scenarioId: string,
  seed: number,
  options: { sutUrl?: string; partnersDir: string; scenariosDir: string },
): string {
  const parts = ['npx b2b certify', `--scenario ${scenarioId}`, `--seed ${seed}`];
  if (options.sutUrl) parts.push(`--sut ${options.sutUrl}`);
  if (options.partnersDir !== projectPath('partners'))
    parts.push(`--partners ${options.partnersDir}`);
  if (options.scenariosDir !== projectPath('scenarios'))
    parts.push(`--scenarios ${options.scenariosDir}`);
  return parts.join(' ');
}
