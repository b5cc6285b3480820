import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { parseDocument } from 'yaml';
import { lineInSource, parseDataFile } from '../../contracts/dataFile.js';
import type { ScenarioDocument } from '../../contracts/scenarios/scenario.js';
import { ConfigError, type DataFileProblem } from '../../lib/errors.js';
import { ORACLE_KINDS, STEP_KINDS } from '../flows/index.js';
import { scenarioSchema } from './scenarioSchema.js';

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

/**
 * The given scenario files, checked, sorted by id. Every problem of every file is reported
 * together, each with file, line, path and reason: schema errors and broken references alike, so
 * one `b2b scenarios validate` shows everything there is to fix.
 */
export async function loadScenarioFiles(
  files: string[],
  profiles: Map<string, PartnerProfile>,
): Promise<LoadedScenario[]> {
  const loaded: LoadedScenario[] = [];
  const problems: DataFileProblem[] = [];
  /** The first file of each id, by the id in lower case: see `duplicateIdProblem`. */
  const seen = new Map<string, { id: string; file: string }>();
  for (const file of files) {
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      problems.push({ file, path: '', reason: `cannot be read (${code})` });
      continue;
    }
    const { document, schemaProblems } = checkSchema(file, source);
    // References are checked on what was written even when the schema refused it; a reference
    // problem at a path the schema already faults would only say the same thing again.
    const written = document ?? writtenValue(source);
    const found = [
      ...referenceProblems(file, written, profiles),
      ...duplicateIdProblem(file, written, seen),
    ]
      .filter((problem) => !schemaProblems.some((known) => known.path === problem.path))
      .map((problem) => ({ ...problem, line: problem.line ?? lineInSource(source, problem.path) }));
    if (schemaProblems.length > 0 || found.length > 0)
      problems.push(...inLineOrder([...schemaProblems, ...found]));
    else if (document) loaded.push({ file, document, source });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded.sort((a, b) => compareScenarioIds(a.document.id, b.document.id));
}

/**
 * B-002 < B-002-N1 < B-002-N2 < B-002-N10 < B-102, and a team's ids the same way. Ids equal to
 * the numeric collation (B-02, B-002) fall back to plain order, so a report never depends on the
 * order the files were read in.
 */
export function compareScenarioIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

function checkSchema(
  file: string,
  source: string,
): { document?: ScenarioDocument; schemaProblems: DataFileProblem[] } {
  try {
    return {
      document: parseDataFile<ScenarioDocument>(file, source, scenarioSchema),
      schemaProblems: [],
    };
  } catch (error) {
    if (error instanceof ConfigError) return { schemaProblems: error.problems };
    throw error;
  }
}

/** The file's value as written, or undefined when it is not even YAML (its errors say why). */
function writtenValue(source: string): unknown {
  const document = parseDocument(source);
  return document.errors.length > 0 ? undefined : document.toJS();
}

/** A file's problems top to bottom, the way a user fixes them; problems without a line first. */
function inLineOrder(problems: DataFileProblem[]): DataFileProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * Names Windows keeps for devices: a scenario called `con` could not have its evidence folder
 * (`scenarios/con/`) unpacked there. The id pattern already rules out a `.` and any extension.
 */
const RESERVED_FOLDER_NAME = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * An id already used by an earlier file. Ids that differ only in case count too: their evidence
 * folders (`scenarios/<id>/`) and files (`<id>.yaml`) would be one on macOS and Windows.
 */
function duplicateIdProblem(
  file: string,
  written: unknown,
  seen: Map<string, { id: string; file: string }>,
): DataFileProblem[] {
  const id = textOf(fieldsOf(written).id);
  if (id === undefined) return [];
  const earlier = seen.get(id.toLowerCase());
  if (!earlier) {
    seen.set(id.toLowerCase(), { id, file });
    return [];
  }
  const reason =
    earlier.id === id
      ? `${id} is also defined in ${earlier.file}`
      : `${id} differs only in case from ${earlier.id} in ${earlier.file}: their evidence folders would be one on macOS and Windows`;
  return [{ file, path: '/id', reason }];
}

type Fields = Record<string, unknown>;

/** The fields of a mapping as written; none for anything else (the schema says what is wrong). */
function fieldsOf(value: unknown): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Fields)
    : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * What the schema cannot check: names that must point at something that exists. It reads the
 * file as written, which may have failed the schema, so it checks every reference it can find
 * and passes over whatever has the wrong shape.
 */
function referenceProblems(
  file: string,
  written: unknown,
  profiles: Map<string, PartnerProfile>,
): DataFileProblem[] {
  const problems: DataFileProblem[] = [];
  const add = (path: string, reason: string) => problems.push({ file, path, reason });
  const scenario = fieldsOf(written);

  const id = textOf(scenario.id);
  if (id !== undefined && basename(file).replace(/\.ya?ml$/, '') !== id)
    add('/id', `file must be named ${id}.yaml`);
  if (id !== undefined && RESERVED_FOLDER_NAME.test(id))
    add('/id', `"${id}" is a reserved file name on Windows, so it cannot name an evidence folder`);

  const partnerId = textOf(scenario.partner);
  const flow = textOf(scenario.flow);
  const partner = partnerId === undefined ? undefined : profiles.get(partnerId);
  if (partnerId !== undefined && !partner)
    add('/partner', `no partner profile ${partnerId} (known: ${[...profiles.keys()].join(', ')})`);
  else if (partner && flow !== undefined && !(partner.modes as readonly string[]).includes(flow))
    add('/flow', `partner ${partnerId} has no ${flow} mode`);

  const stepIds = new Set<string>();
  const eventRefs = new Set<string>();
  const orderRefs = new Set<string>();
  listOf(scenario.steps).forEach((written, index) => {
    const step = fieldsOf(written);
    const at = `/steps/${index}`;
    const stepId = textOf(step.id);
    if (stepId !== undefined && stepIds.has(stepId))
      add(`${at}/id`, `step id "${stepId}" is used twice`);
    const registered = typeof step.kind === 'string' ? STEP_KINDS.get(step.kind) : undefined;
    if (registered && flow !== undefined && registered.flow.mode !== flow)
      add(
        `${at}/kind`,
        `${step.kind} is a step of the ${registered.flow.mode} flow, not of ${flow}`,
      );
    // What the step's kind says it points at and sends: checked the same for every flow.
    const references = registered?.step.references?.(step) ?? {};
    for (const [field, ref] of references.earlierSteps ?? []) {
      if (typeof ref === 'string' && !stepIds.has(ref))
        add(`${at}/${field}`, `"${ref}" must name an earlier step`);
    }
    for (const ref of references.sends?.events ?? []) if (typeof ref === 'string') eventRefs.add(ref);
    for (const ref of references.sends?.orders ?? []) if (typeof ref === 'string') orderRefs.add(ref);
    if (stepId !== undefined) stepIds.add(stepId);
  });

  listOf(scenario.oracles).forEach((written, index) => {
    const oracle = fieldsOf(written);
    const at = `/oracles/${index}`;
    const registered = typeof oracle.kind === 'string' ? ORACLE_KINDS.get(oracle.kind) : undefined;
    if (registered?.flow && flow !== undefined && registered.flow.mode !== flow)
      add(
        `${at}/kind`,
        `${oracle.kind} is an oracle of the ${registered.flow.mode} flow, not of ${flow}`,
      );
    // Each reference, with the path of the exact field that holds it.
    const stepRefs: [string, unknown][] = [
      [`${at}/step`, oracle.step],
      ...listOf(oracle.steps).map((ref, position): [string, unknown] => [
        `${at}/steps/${position}`,
        ref,
      ]),
    ];
    for (const [path, ref] of stepRefs) {
      if (typeof ref === 'string' && !stepIds.has(ref))
        add(path, `step "${ref}" is not a step of this scenario`);
    }
    const eventRefsNamed: [string, unknown][] = [
      ...listOf(oracle.events).map((ref, position): [string, unknown] => [
        `${at}/events/${position}`,
        ref,
      ]),
      [`${at}/matches_event`, oracle.matches_event],
      ...Object.keys(fieldsOf(oracle.chain)).map((ref): [string, unknown] => [
        `${at}/chain/${ref}`,
        ref,
      ]),
    ];
    for (const [path, ref] of eventRefsNamed) {
      if (typeof ref === 'string' && !eventRefs.has(ref))
        add(path, `event "${ref}" is not sent by any step`);
    }
    const order = textOf(oracle.order);
    if (order !== undefined && !orderRefs.has(order))
      add(`${at}/order`, `order "${order}" is not in any step's events`);
  });
  return problems;
}
