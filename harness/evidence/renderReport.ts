import ejs from 'ejs';
import { projectPath } from '../../lib/projectPaths.js';
import type { RunResult } from '../model/runResult.js';

const TEMPLATE = projectPath('reports', 'report.html.ejs');

/** report.html: the run for a person, from the same record as result.json. */
export async function renderReport(result: RunResult): Promise<string> {
  return ejs.renderFile(
    TEMPLATE,
    { result, json: (value: unknown) => JSON.stringify(value, null, 2) },
    { async: true },
  );
}
