import type { OracleVerdict, RunResult, ScenarioResult } from '../model/runResult.js';

/**
 * The run as JUnit XML, so CI systems show each scenario as a test case: one suite per partner,
 * one case per scenario, the failed oracles and the rerun command in the failure text.
 */
export function junitXml(result: RunResult): string {
  const suites = partnerSuites(result);
  const counts = countVerdicts(result.scenarios);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({
      name: 'b2b certify',
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      time: seconds(result.duration_ms),
      timestamp: result.started_at,
    })}>`,
  ];
  for (const suite of suites) lines.push(...suiteLines(result, suite));
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

interface PartnerSuite {
  partnerId: string;
  name: string;
  scenarios: ScenarioResult[];
}

/** Partners in the order the report lists them, then any partner only a scenario mentions. */
function partnerSuites(result: RunResult): PartnerSuite[] {
  const suites = new Map<string, PartnerSuite>();
  for (const partner of result.partners) {
    const name = partner.name ? `${partner.partner_id} ${partner.name}` : partner.partner_id;
    suites.set(partner.partner_id, { partnerId: partner.partner_id, name, scenarios: [] });
  }
  for (const scenario of result.scenarios) {
    let suite = suites.get(scenario.partner_id);
    if (!suite) {
      suite = { partnerId: scenario.partner_id, name: scenario.partner_id, scenarios: [] };
      suites.set(scenario.partner_id, suite);
    }
    suite.scenarios.push(scenario);
  }
  return [...suites.values()];
}

function suiteLines(result: RunResult, suite: PartnerSuite): string[] {
  const counts = countVerdicts(suite.scenarios);
  const durationMs = suite.scenarios.reduce((sum, scenario) => sum + scenario.duration_ms, 0);
  const lines = [
    `  <testsuite${attributes({
      name: suite.name,
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: 0,
      time: seconds(durationMs),
      timestamp: suite.scenarios[0]?.started_at ?? result.started_at,
    })}>`,
    '    <properties>',
    `      <property${attributes({ name: 'run_id', value: result.run_id })}/>`,
    `      <property${attributes({ name: 'seed', value: result.seed })}/>`,
    `      <property${attributes({ name: 'sut', value: result.sut.url })}/>`,
    `      <property${attributes({ name: 'signer', value: result.signer.fingerprint })}/>`,
    // The scale profile durations ran at: a CI reader sees at once that this was not real time.
    `      <property${attributes({ name: 'time_scale', value: result.certification_time.scale })}/>`,
    '    </properties>',
  ];
  for (const scenario of suite.scenarios) lines.push(...testcaseLines(scenario));
  lines.push('  </testsuite>');
  return lines;
}

function testcaseLines(scenario: ScenarioResult): string[] {
  const open = `    <testcase${attributes({
    classname: `${scenario.partner_id}.${scenario.flow}`,
    name: `${scenario.id} ${scenario.title}`,
    time: seconds(scenario.duration_ms),
  })}`;
  const body: string[] = [];
  if (scenario.verdict === 'fail') {
    const failed = scenario.oracles.filter((oracle) => oracle.verdict === 'fail');
    const message = failed[0]?.message ?? firstFailedStep(scenario) ?? 'scenario failed';
    const text = [
      ...failed.map(describeOracle),
      ...failedStepLines(scenario),
      `rerun: ${scenario.rerun}`,
    ];
    body.push(
      `      <failure${attributes({ message, type: 'oracle' })}>${escapeText(text.join('\n'))}</failure>`,
    );
  } else if (scenario.verdict === 'error') {
    const message = scenario.error ?? firstFailedStep(scenario) ?? 'scenario could not run';
    const text = [message, ...failedStepLines(scenario), `rerun: ${scenario.rerun}`];
    body.push(
      `      <error${attributes({ message, type: 'error' })}>${escapeText(text.join('\n'))}</error>`,
    );
  }
  if (scenario.artifacts.length > 0) {
    body.push(`      <system-out>${escapeText(scenario.artifacts.join('\n'))}</system-out>`);
  }
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
}

function describeOracle(oracle: OracleVerdict): string {
  const lines = [
    `oracle ${oracle.kind}: ${oracle.title}`,
    `  message:  ${oracle.message}`,
    `  expected: ${show(oracle.expected)}`,
    `  actual:   ${show(oracle.actual)}`,
  ];
  if (oracle.where !== undefined) lines.push(`  where:    ${oracle.where}`);
  if (oracle.artifact !== undefined) lines.push(`  artifact: ${oracle.artifact}`);
  return lines.join('\n');
}

function failedStepLines(scenario: ScenarioResult): string[] {
  return scenario.steps
    .filter((step) => !step.ok)
    .map((step) => `step ${step.id} (${step.kind}) failed: ${step.error ?? step.summary}`);
}

function firstFailedStep(scenario: ScenarioResult): string | undefined {
  const step = scenario.steps.find((candidate) => !candidate.ok);
  return step && `step ${step.id} failed: ${step.error ?? step.summary}`;
}

function countVerdicts(scenarios: readonly ScenarioResult[]) {
  return {
    tests: scenarios.length,
    failures: scenarios.filter((scenario) => scenario.verdict === 'fail').length,
    errors: scenarios.filter((scenario) => scenario.verdict === 'error').length,
  };
}

/** JSON for values, so the string "1" and the number 1 read differently. */
function show(value: unknown): string {
  if (value === undefined) return '(none)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000';
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');
}

/** Everything outside XML 1.0's Char production: most C0 controls, lone surrogates, U+FFFE/F. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeText(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;'); // a parser would turn a literal CR into LF
}

function escapeAttribute(text: string): string {
  // Parsers turn literal tabs and line breaks in attribute values into spaces; references survive.
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}
