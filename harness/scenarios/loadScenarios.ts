import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { lineInSource, loadDataFile } from '../../contracts/dataFile.js';
import { scenarioSchema, type ScenarioDocument } from '../../contracts/scenarios/scenario.js';
import { ConfigError, type DataFileProblem } from '../../lib/errors.js';

export interface LoadedScenario {
  file: string;
  document: ScenarioDocument;
  /** The file as written, copied into the evidence. */
  source: string;
}

/** Every `*.yaml` scenario in a folder, checked, sorted by id. All problems are reported together. */
export async function loadScenarios(
  directory: string,
  profiles: Map<string, PartnerProfile>,
): Promise<LoadedScenario[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch {
    throw new ConfigError([
      { file: directory, path: '', reason: 'scenario folder cannot be read' },
    ]);
  }
  return loadScenarioFiles(
    names.map((name) => join(directory, name)),
    profiles,
  );
}

export async function loadScenarioFiles(
  files: string[],
  profiles: Map<string, PartnerProfile>,
): Promise<LoadedScenario[]> {
  const loaded: LoadedScenario[] = [];
  const problems: DataFileProblem[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    try {
      const document = await loadDataFile<ScenarioDocument>(file, scenarioSchema);
      const source = await readFile(file, 'utf8');
      const found = referenceProblems(file, document, profiles).map((problem) => ({
        ...problem,
        line: problem.line ?? lineInSource(source, problem.path),
      }));
      const earlier = seen.get(document.id);
      if (earlier)
        found.push({
          file,
          path: '/id',
          line: lineInSource(source, '/id'),
          reason: `${document.id} is also defined in ${earlier}`,
        });
      seen.set(document.id, file);
      if (found.length > 0) problems.push(...found);
      else loaded.push({ file, document, source });
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded.sort((a, b) => compareScenarioIds(a.document.id, b.document.id));
}

/** B-002 < B-002-N1 < B-002-N2 < B-102. */
export function compareScenarioIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** What the schema cannot check: names that must point at something that exists. */
function referenceProblems(
  file: string,
  scenario: ScenarioDocument,
  profiles: Map<string, PartnerProfile>,
): DataFileProblem[] {
  const problems: DataFileProblem[] = [];
  const add = (path: string, reason: string) => problems.push({ file, path, reason });

  if (basename(file).replace(/\.ya?ml$/, '') !== scenario.id)
    add('/id', `file must be named ${scenario.id}.yaml`);
  const partner = profiles.get(scenario.partner);
  if (!partner)
    add(
      '/partner',
      `no partner profile ${scenario.partner} (known: ${[...profiles.keys()].join(', ')})`,
    );
  else if (!partner.modes.includes(scenario.flow))
    add('/flow', `partner ${scenario.partner} has no ${scenario.flow} mode`);

  const stepIds = new Map<string, number>();
  const eventRefs = new Set<string>();
  const orderRefs = new Set<string>();
  scenario.steps.forEach((step, index) => {
    if (stepIds.has(step.id)) add(`/steps/${index}/id`, `step id "${step.id}" is used twice`);
    if (step.kind === 'webhook.redeliver') {
      const of = step.of as string;
      if (!stepIds.has(of)) add(`/steps/${index}/of`, `"${of}" must name an earlier step`);
    }
    for (const event of (step.events as { ref: string; order: string }[] | undefined) ?? []) {
      eventRefs.add(event.ref);
      orderRefs.add(event.order);
    }
    stepIds.set(step.id, index);
  });

  scenario.oracles.forEach((oracle, index) => {
    const at = `/oracles/${index}`;
    // Each reference, with the path of the exact field that holds it.
    const stepRefs: [string, unknown][] = [
      [`${at}/step`, oracle.step],
      ...((oracle.steps as string[] | undefined) ?? []).map((ref, position): [string, unknown] => [`${at}/steps/${position}`, ref]),
    ];
    for (const [path, ref] of stepRefs) {
      if (typeof ref === 'string' && !stepIds.has(ref)) add(path, `step "${ref}" is not a step of this scenario`);
    }
    const referencedEvents: [string, unknown][] = [
      ...((oracle.events as string[] | undefined) ?? []).map((ref, position): [string, unknown] => [`${at}/events/${position}`, ref]),
      [`${at}/matches_event`, oracle.matches_event],
      ...Object.keys((oracle.chain as object | undefined) ?? {}).map((ref): [string, unknown] => [`${at}/chain/${ref}`, ref]),
    ];
    for (const [path, ref] of referencedEvents) {
      if (typeof ref === 'string' && !eventRefs.has(ref)) add(path, `event "${ref}" is not sent by any step`);
    }
    if (typeof oracle.order === 'string' && !orderRefs.has(oracle.order)) {
      add(`${at}/order`, `order "${oracle.order}" is not in any step's events`);
    }
  });
  return problems;
}
