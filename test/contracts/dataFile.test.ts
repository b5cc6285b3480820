import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lineInSource, loadDataFile, parseDataFile } from '../../contracts/dataFile.js';
import { ConfigError } from '../../lib/errors.js';

// A small contract of our own, so these tests do not depend on any real schema's evolution.
const schema = {
  $id: 'https://b2b.test/contracts/data-file-test.schema.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'items'],
  properties: {
    name: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: { id: { type: 'integer' }, colour: { enum: ['red', 'blue'] } },
      },
    },
  },
};

interface Doc {
  name: string;
  items: { id: number; colour?: string }[];
}

function problemsOf(run: () => unknown): ConfigError['problems'] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseDataFile', () => {
  it('returns the document when it matches the schema', () => {
    const text = 'name: shelf\nitems:\n  - id: 1\n    colour: red\n';
    expect(parseDataFile<Doc>('a.yaml', text, schema)).toEqual({
      name: 'shelf',
      items: [{ id: 1, colour: 'red' }],
    });
  });

  it('reads JSON as well as YAML', () => {
    expect(parseDataFile<Doc>('a.json', '{"name":"x","items":[]}', schema)).toEqual({
      name: 'x',
      items: [],
    });
  });

  it('locates each schema problem by file, line and JSON path, all at once', () => {
    const text = [
      'name: shelf', // 1
      'items:', // 2
      '  - id: 1', // 3
      '  - id: two', // 4
      '    colour: green', // 5
      '  - colour: red', // 6
      'extra: true', // 7
    ].join('\n');
    expect(problemsOf(() => parseDataFile('shelf.yaml', text, schema))).toEqual(
      expect.arrayContaining([
        { file: 'shelf.yaml', path: '/extra', line: 7, reason: 'is not a known field' },
        { file: 'shelf.yaml', path: '/items/1/id', line: 4, reason: 'must be integer' },
        {
          file: 'shelf.yaml',
          path: '/items/1/colour',
          line: 5,
          reason: 'must be one of "red", "blue"',
        },
        // A missing field is placed at its parent, the place where it should be added.
        { file: 'shelf.yaml', path: '/items/2/id', line: 6, reason: 'is required' },
      ]),
    );
  });

  it('reports a YAML syntax error with its line', () => {
    const text = 'name: shelf\nitems: [1, 2\nother: 3\n';
    const problems = problemsOf(() => parseDataFile('broken.yaml', text, schema));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: 'broken.yaml', path: '' });
    expect(problems[0]?.reason).toMatch(/^YAML: /);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a key written twice, with the line of the second one', () => {
    const text = 'name: shelf\nitems: []\nname: other\n';
    const problems = problemsOf(() => parseDataFile('twice.yaml', text, schema));
    expect(problems).toEqual([
      { file: 'twice.yaml', path: '', line: 3, reason: expect.stringMatching(/unique/) as string },
    ]);
  });

  it('formats the error message as file:line: path: reason, one problem a line', () => {
    try {
      parseDataFile('m.yaml', 'name: 1\nitems: []\n', schema);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe('m.yaml:1: /name: must be string');
    }
  });
});

describe('lineInSource', () => {
  const source = 'name: shelf\nitems:\n  - id: 1\n  - id: 2\n    colour: red\n';

  it('finds the line of the value at a JSON pointer', () => {
    expect(lineInSource(source, '/name')).toBe(1);
    expect(lineInSource(source, '/items/1')).toBe(4);
    expect(lineInSource(source, '/items/1/colour')).toBe(5);
  });

  it('falls back to the nearest parent that exists', () => {
    expect(lineInSource(source, '/items/1/missing')).toBe(4);
    expect(lineInSource(source, '/nowhere')).toBe(1);
  });
});

describe('loadDataFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2b-datafile-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file from disk', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, 'name: shelf\nitems: [{ id: 3 }]\n');
    await expect(loadDataFile<Doc>(file, schema)).resolves.toEqual({
      name: 'shelf',
      items: [{ id: 3 }],
    });
  });

  it('reports a file that cannot be read, naming it and the error code', async () => {
    const file = join(dir, 'absent.yaml');
    const error = await loadDataFile(file, schema).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { file, path: '', reason: 'cannot be read (ENOENT)' },
    ]);
  });
});
