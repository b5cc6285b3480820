import { projectPath } from '../../lib/projectPaths.js';

/** The command that reruns one scenario exactly: same seed, SUT, data folders and time scale. */
export function rerunCommand(
  scenarioId: string,
  seed: number,
  options: {
    sutUrl?: string;
    partnersDir: string;
    scenariosDir: string;
    certificationProfile?: string;
    timeScale?: number;
  },
): string {
  const parts = ['npx b2b certify', `--scenario ${scenarioId}`, `--seed ${seed}`];
  if (options.sutUrl) parts.push(`--sut ${options.sutUrl}`);
  if (options.timeScale !== undefined) parts.push(`--time-scale ${options.timeScale}`);
  else if (options.certificationProfile)
    parts.push(`--certification-profile ${options.certificationProfile}`);
  if (options.partnersDir !== projectPath('partners'))
    parts.push(`--partners ${options.partnersDir}`);
  if (options.scenariosDir !== projectPath('scenarios'))
    parts.push(`--scenarios ${options.scenariosDir}`);
  return parts.join(' ');
}
