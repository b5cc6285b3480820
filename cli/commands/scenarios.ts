import { Command } from 'commander';
import { loadPartnerProfiles } from '../../contracts/partners/partnerProfile.js';
import { FLOWS, ORACLE_KINDS, STEP_KINDS } from '../../harness/flows/index.js';
import { loadScenarioFiles, loadScenarios } from '../../harness/scenarios/loadScenarios.js';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { projectPath } from '../../lib/projectPaths.js';
import { EXIT } from '../exitCodes.js';

/** `b2b scenarios list|validate`. */
export function scenariosCommand(): Command {
  const scenarios = new Command('scenarios').description(
    'the MAE scenarios: list them, validate scenario files',
  );

  scenarios
    .command('list')
    .description(
      'list the scenarios, and the step kinds, oracle kinds and faults a scenario file can use',
    )
    .option('--partner <id>', 'only this partner')
    .option('--json', 'as JSON')
    .option('--partners <dir>', 'folder of partner profiles', projectPath('partners'))
    .option('--scenarios <dir>', 'folder of scenario files', projectPath('scenarios'))
    .action(
      async (options: {
        partner?: string;
        json?: boolean;
        partners: string;
        scenarios: string;
      }) => {
        const profiles = await loadPartnerProfiles(options.partners);
        const loaded = (await loadScenarios(options.scenarios, profiles)).filter(
          (scenario) => !options.partner || scenario.document.partner === options.partner,
        );
        const rows = loaded.map(({ document }) => ({
          id: document.id,
          kind: document.kind,
          partner: document.partner,
          flow: document.flow,
          title: document.title,
        }));
        // The vocabulary comes from the flows: each brings its steps and faults (and any oracles
        // of its own); the general oracles serve every flow.
        const vocabulary = {
          flows: Object.values(FLOWS).map((flow) => ({
            flow: flow.mode,
            role: flow.role,
            summary: flow.title,
          })),
          step_kinds: [...STEP_KINDS.values()].map(({ flow, step }) => ({
            kind: step.kind,
            flow: flow.mode,
            summary: step.summary,
          })),
          oracle_kinds: [...ORACLE_KINDS.values()].map(({ flow, oracle }) => ({
            kind: oracle.kind,
            ...(flow ? { flow: flow.mode } : {}),
            summary: oracle.summary,
          })),
          ...Object.fromEntries(
            Object.values(FLOWS).map((flow) => [
              `${flow.mode}_faults`,
              flow.faults.map((fault) => ({ name: fault.name, summary: fault.summary })),
            ]),
          ),
        } as {
          flows: { flow: string; role: string; summary: string }[];
          step_kinds: { kind: string; flow: string; summary: string }[];
          oracle_kinds: { kind: string; flow?: string; summary: string }[];
          [faults: `${string}_faults`]: { name: string; summary: string }[];
        };
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ scenarios: rows, ...vocabulary }, null, 2)}\n`);
          return;
        }
        const out: string[] = [];
        // A team's ids may be longer than the playbook's B-002-N1: the column fits the longest.
        const idWidth = Math.max(10, ...rows.map((row) => row.id.length));
        for (const row of rows)
          out.push(
            `${row.id.padEnd(idWidth)} ${row.kind.padEnd(9)} ${row.partner}  ${row.flow.padEnd(8)} ${row.title}`,
          );
        out.push('', 'flows:');
        for (const flow of vocabulary.flows)
          out.push(`  ${flow.flow.padEnd(20)} ${flow.summary} (${flow.role})`);
        out.push('', 'step kinds:');
        for (const step of vocabulary.step_kinds)
          out.push(`  ${step.kind.padEnd(20)} ${step.summary}`);
        out.push('', 'oracle kinds:');
        for (const oracle of vocabulary.oracle_kinds)
          out.push(
            `  ${oracle.kind.padEnd(20)} ${oracle.summary}${oracle.flow ? ` (${oracle.flow} only)` : ''}`,
          );
        for (const flow of Object.values(FLOWS)) {
          out.push('', `${flow.mode} faults:`);
          for (const fault of flow.faults) out.push(`  ${fault.name.padEnd(20)} ${fault.summary}`);
        }
        process.stdout.write(`${out.join('\n')}\n`);
      },
    );

  scenarios
    .command('validate')
    .description(
      'check scenario files against the scenario schema and their references (exit 1 when a file is invalid)',
    )
    .argument('[files...]', 'scenario files (default: every file in --scenarios)')
    .option('--partners <dir>', 'folder of partner profiles', projectPath('partners'))
    .option('--scenarios <dir>', 'folder of scenario files', projectPath('scenarios'))
    .action(async (files: string[], options: { partners: string; scenarios: string }) => {
      const profiles = await loadPartnerProfiles(options.partners);
      try {
        const loaded =
          files.length > 0
            ? await loadScenarioFiles(files, profiles)
            : await loadScenarios(options.scenarios, profiles);
        process.stdout.write(
          `ok: ${loaded.length} scenario${loaded.length === 1 ? '' : 's'} valid\n`,
        );
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        if (error.problems.length === 0) process.stderr.write(`${error.message}\n`);
        process.exitCode = EXIT.failed;
      }
    });
  return scenarios;
}
