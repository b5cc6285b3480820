import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { ConfigError, type DataFileProblem } from '../lib/errors.js';
import { compileSchema, describeSchemaErrors } from './schemaValidator.js';

/**
 * Reads a YAML (or JSON) data file and validates it against a contract schema. Every problem comes
 * back with the file, the line, the path inside the document and the reason, so a user can fix a
 * partner profile or a scenario without reading the schema.
 */
export async function loadDataFile<T>(file: string, schema: { $id: string }): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        file,
        path: '',
        reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }
  return parseDataFile<T>(file, text, schema);
}

export function parseDataFile<T>(file: string, text: string, schema: { $id: string }): T {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        file,
        path: '',
        line: lineCounter.linePos(error.pos[0]).line,
        reason: `YAML: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const value: unknown = document.toJS();
  const validate = compileSchema<T>(schema);
  if (!validate(value)) {
    const problems: DataFileProblem[] = describeSchemaErrors(validate.errors).map((problem) => ({
      file,
      path: problem.path,
      line: lineOf(document, lineCounter, problem.path),
      reason: problem.reason,
    }));
    throw new ConfigError(problems);
  }
  return value;
}

/** The line in `source` where the value at a JSON pointer starts (or its nearest existing parent). */
export function lineInSource(source: string, pointer: string): number | undefined {
  const lineCounter = new LineCounter();
  return lineOf(parseDocument(source, { lineCounter }), lineCounter, pointer);
}

/** The line where the value at a JSON pointer starts, or where its nearest existing parent does. */
function lineOf(document: Document, lineCounter: LineCounter, pointer: string): number | undefined {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  for (let depth = segments.length; depth >= 0; depth--) {
    const node = depth === 0 ? document.contents : document.getIn(segments.slice(0, depth), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
