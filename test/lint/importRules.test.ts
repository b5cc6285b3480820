import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/projectPaths.js';

/** DESIGN.md's import rules, as the project's lint configuration enforces them. */
const eslint = new ESLint({ cwd: projectPath('.') });

async function ruleBreaks(filePath: string, source: string): Promise<number> {
  const [result] = await eslint.lintText(source, { filePath: projectPath(filePath) });
  return (result?.messages ?? []).filter((message) =>
    ['no-restricted-imports', 'no-restricted-syntax'].includes(message.ruleId ?? ''),
  ).length;
}

describe('the import rules, static and dynamic', () => {
  it.each([
    [
      'pipeline/probe.ts',
      "import { Journal } from '../simulators/journal.js';\nexport { Journal };\n",
    ],
    ['pipeline/probe.ts', "export const load = () => import('../simulators/journal.js');\n"],
    [
      'pipeline/probe.ts',
      'export const load = (name: string) => import(`../harness/run/${name}.js`);\n',
    ],
    ['simulators/probe.ts', "export const load = () => import('../pipeline/app.js');\n"],
    ['harness/probe.ts', "export const load = () => import('../pipeline/app.js');\n"],
    ['lib/probe.ts', "export const load = () => import('../contracts/dataFile.js');\n"],
  ])('%s may not load %j', async (file, source) => {
    expect(await ruleBreaks(file, source)).toBe(1);
  });

  it.each([
    ['pipeline/probe.ts', "export const load = () => import('./store/store.js');\n"],
    ['harness/probe.ts', "export const load = () => import('../simulators/journal.js');\n"],
    ['pipeline/probe.ts', "export const load = () => import('../contracts/dataFile.js');\n"],
  ])('%s may load %j', async (file, source) => {
    expect(await ruleBreaks(file, source)).toBe(0);
  });
});
