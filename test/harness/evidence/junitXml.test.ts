import { describe, expect, it } from 'vitest';
import { junitXml } from '../../../harness/evidence/junitXml.js';
import type { OracleVerdict, RunResult, ScenarioResult } from '../../../harness/model/runResult.js';

function scenario(overrides: Partial<ScenarioResult>): ScenarioResult {
  return {
    id: 'A-001',
    title: 'Order accepted',
    kind: 'main',
    partner_id: 'p_001',
    flow: 'order_created',
    verdict: 'pass',
    started_at: '2026-11-23T14:44:01.000Z',
    duration_ms: 1234,
    steps: [],
    oracles: [],
    artifacts: [],
    rerun: 'b2b certify --partner p_001 --scenario A-001 --seed 42',
    ...overrides,
  };
}

function oracle(overrides: Partial<OracleVerdict>): OracleVerdict {
  return {
    kind: 'exactly_once',
    title: 'Each order is created once',
    verdict: 'pass',
    expected: 1,
    actual: 1,
    message: 'created once',
    ...overrides,
  };
}

/** The evidence key's fingerprint: the one a CI reader pins with --fingerprint. */
const SIGNER = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

function run(scenarios: ScenarioResult[]): RunResult {
  return {
    run_id: '20261123T144400Z-3f9a1c',
    seed: 42,
    started_at: '2026-11-23T14:44:00.000Z',
    finished_at: '2026-11-23T14:44:09.500Z',
    duration_ms: 9500,
    tool: { name: 'b2b', version: '0.1.0', node: 'v24.21.0' },
    sut: { mode: 'bundled', url: 'http://127.0.0.1:8080' },
    signer: { fingerprint: SIGNER },
    certification_time: { scale: 0.001, source: 'built-in certification profile', durations: [] },
    summary: { scenarios: scenarios.length, passed: 0, failed: 0, errors: 0 },
    partners: [
      { partner_id: 'p_001', name: 'Acme Retail', connectivity: [], flows: [] },
      { partner_id: 'p_002', name: 'Globex', connectivity: [], flows: [] },
    ],
    scenarios,
  };
}

const FAILING = scenario({
  id: 'B-002',
  title: 'Duplicate delivery',
  kind: 'alt',
  verdict: 'fail',
  duration_ms: 2500,
  oracles: [
    oracle({ verdict: 'pass', kind: 'signature', message: 'signatures checked' }),
    oracle({
      verdict: 'fail',
      expected: 1,
      actual: 2,
      where: 'event evt_7',
      message: 'order ord_9 was created 2 times',
      artifact: 'scenarios/B-002/oracles/exactly_once.json',
    }),
    oracle({
      verdict: 'fail',
      kind: 'ack_latency',
      title: 'Acknowledged within 5 s',
      expected: { max_ms: 5000 },
      actual: { p99_ms: 7100 },
      message: 'p99 7100 ms',
    }),
  ],
  artifacts: ['scenarios/B-002/journal.ndjson', 'scenarios/B-002/oracles/exactly_once.json'],
  rerun: 'b2b certify --partner p_001 --scenario B-002 --seed 42',
});

const ERRORED = scenario({
  id: 'C-001',
  title: 'Partner offline',
  kind: 'exception',
  partner_id: 'p_002',
  verdict: 'error',
  duration_ms: 30000,
  error: 'connect ECONNREFUSED 127.0.0.1:8080',
  steps: [
    {
      id: 's1',
      kind: 'send',
      title: 'send the order',
      ok: false,
      exchanges: 0,
      summary: 'no answer',
      error: 'connect ECONNREFUSED 127.0.0.1:8080',
      duration_ms: 30000,
    },
  ],
  rerun: 'b2b certify --partner p_002 --scenario C-001 --seed 42',
});

// ---- a small, strict XML 1.0 reader: enough to prove the output is well-formed ----

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9._-]*';
const ILLEGAL_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(raw: string, where: string): string {
  if (/[<]/.test(raw)) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new Error(`unterminated reference in ${where}: ${whole}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref] ?? '';
    const numeric = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ref);
    if (!numeric) throw new Error(`unknown entity &${ref}; in ${where}`);
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    const char = String.fromCodePoint(code);
    if (ILLEGAL_CHAR.test(char)) throw new Error(`reference to an illegal character in ${where}`);
    return char;
  });
}

function parseXml(xml: string): XmlElement {
  if (ILLEGAL_CHAR.test(xml)) throw new Error('character XML 1.0 forbids');
  const rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  if (rest === xml) throw new Error('missing XML declaration');
  const token = new RegExp(`<(/?)(${NAME})((?:\\s+${NAME}="[^"]*")*)\\s*(/?)>|([^<]+)`, 'gy');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let position = 0;
  while (position < rest.length) {
    token.lastIndex = position;
    const match = token.exec(rest);
    if (!match)
      throw new Error(`not well-formed at ${JSON.stringify(rest.slice(position, position + 40))}`);
    position = token.lastIndex;
    const [, closing, name, attributeText, selfClosing, text] = match;
    if (text !== undefined) {
      const top = stack.at(-1);
      if (!top) {
        if (text.trim() !== '') throw new Error('text outside the root element');
        continue;
      }
      top.text += decode(text, `<${top.name}> text`);
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key = '', value = ''] of (attributeText ?? '').matchAll(
      new RegExp(`(${NAME})="([^"]*)"`, 'g'),
    )) {
      if (key in attributes) throw new Error(`repeated attribute ${key}`);
      attributes[key] = decode(value, `${name}@${key}`);
    }
    const element: XmlElement = { name: name ?? '', attributes, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else if (root) throw new Error('second root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0 || !root) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  return root;
}

function find(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

describe('junitXml', () => {
  it('reports the run as one suite per partner with counts and times', () => {
    const passing = scenario({});
    const xml = junitXml(run([passing, FAILING, ERRORED]));
    const root = parseXml(xml);

    expect(root.name).toBe('testsuites');
    expect(root.attributes).toEqual({
      name: 'b2b certify',
      tests: '3',
      failures: '1',
      errors: '1',
      time: '9.500',
      timestamp: '2026-11-23T14:44:00.000Z',
    });
    const suites = find(root, 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual([
      'p_001 Acme Retail',
      'p_002 Globex',
    ]);
    expect(suites[0]?.attributes).toMatchObject({
      tests: '2',
      failures: '1',
      errors: '0',
      time: '3.734',
    });
    expect(suites[1]?.attributes).toMatchObject({
      tests: '1',
      failures: '0',
      errors: '1',
      time: '30.000',
    });

    const cases = suites.flatMap((suite) => find(suite, 'testcase'));
    expect(cases.map((testcase) => testcase.attributes)).toEqual([
      { classname: 'p_001.order_created', name: 'A-001 Order accepted', time: '1.234' },
      { classname: 'p_001.order_created', name: 'B-002 Duplicate delivery', time: '2.500' },
      { classname: 'p_002.order_created', name: 'C-001 Partner offline', time: '30.000' },
    ]);
    expect(cases[0]?.children).toEqual([]);
  });

  it("names the run, its seed, the SUT, the evidence signer and the time scale in every suite's properties", () => {
    const root = parseXml(junitXml(run([scenario({}), ERRORED])));
    for (const suite of find(root, 'testsuite')) {
      const [properties] = find(suite, 'properties');
      expect(find(properties!, 'property').map((property) => property.attributes)).toEqual([
        { name: 'run_id', value: '20261123T144400Z-3f9a1c' },
        { name: 'seed', value: '42' },
        { name: 'sut', value: 'http://127.0.0.1:8080' },
        { name: 'signer', value: SIGNER },
        { name: 'time_scale', value: '0.001' },
      ]);
    }
  });

  it('puts every failed oracle with expected, actual and where, then the rerun command, in the failure', () => {
    const root = parseXml(junitXml(run([FAILING])));
    const testcase = find(find(root, 'testsuite')[0]!, 'testcase')[0]!;
    const [failure] = find(testcase, 'failure');
    expect(failure?.attributes).toEqual({
      message: 'order ord_9 was created 2 times',
      type: 'oracle',
    });
    const text = failure?.text ?? '';
    expect(text).toContain('oracle exactly_once: Each order is created once');
    expect(text).toContain('expected: 1\n');
    expect(text).toContain('actual:   2\n');
    expect(text).toContain('where:    event evt_7');
    expect(text).toContain('oracle ack_latency: Acknowledged within 5 s');
    expect(text).toContain('expected: {"max_ms":5000}');
    expect(text).toContain('actual:   {"p99_ms":7100}');
    expect(text).not.toContain('signatures checked'); // passing oracles stay out
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'rerun: b2b certify --partner p_001 --scenario B-002 --seed 42',
    );
    expect(find(testcase, 'system-out')[0]?.text).toBe(
      'scenarios/B-002/journal.ndjson\nscenarios/B-002/oracles/exactly_once.json',
    );
  });

  it('reports a scenario that could not run as an error with its cause and rerun command', () => {
    const root = parseXml(junitXml(run([ERRORED])));
    const testcase = find(find(root, 'testsuite')[1]!, 'testcase')[0]!;
    expect(find(testcase, 'failure')).toEqual([]);
    const [error] = find(testcase, 'error');
    expect(error?.attributes.message).toBe('connect ECONNREFUSED 127.0.0.1:8080');
    expect(error?.text).toContain('step s1 (send) failed: connect ECONNREFUSED');
    expect(error?.text).toContain('rerun: b2b certify --partner p_002 --scenario C-001 --seed 42');
  });

  it('escapes markup characters and drops characters XML 1.0 forbids', () => {
    const nasty = `<b>&"quoted" 'single'</b>`;
    const xml = junitXml(
      run([
        scenario({
          title: nasty,
          verdict: 'fail',
          oracles: [
            oracle({
              verdict: 'fail',
              message: `bad\u0000 byte\u001b[31m and ]]> tab\there\nnewline`,
              expected: 'a<b',
              actual: '\u0007bell & "x"',
            }),
          ],
          artifacts: ['scenarios/A-001/odd & <name>.json'],
        }),
      ]),
    );
    const controls = [...xml].filter((char) => char < ' ' && !'\t\n\r'.includes(char));
    expect(controls).toEqual([]);
    const root = parseXml(xml);
    const testcase = find(find(root, 'testsuite')[0]!, 'testcase')[0]!;
    expect(testcase.attributes.name).toBe(`A-001 ${nasty}`);
    const [failure] = find(testcase, 'failure');
    // Tabs and newlines in an attribute survive as character references.
    expect(failure?.attributes.message).toBe('bad byte[31m and ]]> tab\there\nnewline');
    expect(failure?.text).toContain('expected: "a<b"');
    expect(failure?.text).toContain('actual:   "\\u0007bell & \\"x\\""');
    expect(find(testcase, 'system-out')[0]?.text).toBe('scenarios/A-001/odd & <name>.json');
  });

  it('drops lone surrogates and names a suite by id when the partner is not in the report', () => {
    const xml = junitXml(run([scenario({ partner_id: 'p_009', title: 'half \uD800 pair' })]));
    const root = parseXml(xml);
    const suites = find(root, 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual([
      'p_001 Acme Retail',
      'p_002 Globex',
      'p_009',
    ]);
    expect(find(suites[2]!, 'testcase')[0]?.attributes.name).toBe('A-001 half  pair');
    // Partners with nothing run still appear, with zero tests.
    expect(suites[0]?.attributes.tests).toBe('0');
  });
});

describe('the XML reader these tests rely on', () => {
  it.each([
    ['a raw & in text', '<a>x & y</a>'],
    ['a raw < in an attribute', '<a b="<"/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b/>'],
    ['a control character', '<a>\u0001</a>'],
    ['an unquoted attribute', '<a b=1/>'],
  ])('rejects %s', (_label, body) => {
    expect(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`)).toThrow();
  });
});
