import { compileSchema, describeSchemaErrors } from '../schemaValidator.js';
import { partnerApiDocument } from './partnerApi.js';

/**
 * Checks an answer of the partner API against its OpenAPI document: the status is declared for
 * the path and method, the body matches the declared schema (responses are strict:
 * additionalProperties false), and the declared required headers are there and well-formed.
 * Returns the problems, one line each; none means the answer keeps the contract.
 */
export interface ApiAnswer {
  method: string;
  /** The request path, with or without a query string. */
  path: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
}

interface SchemaObject {
  [keyword: string]: unknown;
}

interface HeaderObject {
  required?: boolean;
  schema?: SchemaObject;
  $ref?: string;
}

interface ResponseObject {
  $ref?: string;
  headers?: Record<string, HeaderObject>;
  content?: Record<string, { schema?: SchemaObject }>;
}

interface Operation {
  responses: Record<string, ResponseObject>;
}

const document = partnerApiDocument as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, SchemaObject>;
    responses: Record<string, ResponseObject>;
    headers: Record<string, HeaderObject>;
  };
};

export function apiAnswerProblems(answer: ApiAnswer): string[] {
  const where = `${answer.method.toUpperCase()} ${answer.path} → ${answer.status}`;
  const template = pathTemplate(answer.path.split('?')[0] ?? '');
  if (!template) return [`${where}: no such path in the document`];
  const operation = document.paths[template]?.[answer.method.toLowerCase()];
  if (!operation) return [`${where}: no such operation in the document`];
  const declared = operation.responses[String(answer.status)] ?? operation.responses.default;
  if (!declared) return [`${where}: status ${answer.status} is not declared`];
  const response = resolve<ResponseObject>(declared, document.components.responses);

  const problems: string[] = [];
  for (const [name, declaredHeader] of Object.entries(response.headers ?? {})) {
    const header = resolve<HeaderObject>(declaredHeader, document.components.headers);
    const value = headerValue(answer.headers, name);
    if (value === undefined) {
      if (header.required) problems.push(`${where}: header ${name} is required`);
      continue;
    }
    if (header.schema) {
      const validate = compileSchema(
        standalone(header.schema, `${template}/${answer.method}/${answer.status}/h/${name}`),
      );
      if (!validate(value)) problems.push(`${where}: header ${name} ${describe(validate.errors)}`);
    }
  }

  const json = response.content?.['application/json'];
  if (!json) {
    if (answer.body !== undefined) problems.push(`${where}: a body where none is declared`);
    return problems;
  }
  const contentType = headerValue(answer.headers, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType))
    problems.push(
      `${where}: content-type ${contentType || '(none)'} where application/json is declared`,
    );
  if (json.schema) {
    const validate = compileSchema(
      standalone(json.schema, `${template}/${answer.method}/${answer.status}`),
    );
    if (!validate(answer.body)) problems.push(`${where}: body ${describe(validate.errors)}`);
  }
  return problems;
}

/** Throws with every problem when the answer breaks the contract (for tests). */
export function assertKeepsApiContract(answer: ApiAnswer): void {
  const problems = apiAnswerProblems(answer);
  if (problems.length > 0)
    throw new Error(`breaks contracts/api/openapi.json:\n  ${problems.join('\n  ')}`);
}

function pathTemplate(path: string): string | undefined {
  return Object.keys(document.paths).find((template) => {
    const pattern = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return new RegExp(`^${pattern}$`).test(path);
  });
}

function resolve<T extends { $ref?: string }>(item: T, components: Record<string, T>): T {
  const name = item.$ref?.replace(/^#\/components\/[a-z]+\//i, '');
  if (name === undefined) return item;
  const target = components[name];
  if (!target) throw new Error(`unresolved $ref ${item.$ref}`);
  return target;
}

/**
 * A schema of the document as one JSON Schema ajv can compile: the document's component schemas
 * become its $defs, and their references follow.
 */
function standalone(schema: SchemaObject, name: string): { $id: string } {
  const text = JSON.stringify({
    ...schema,
    $defs: document.components.schemas,
  }).replaceAll('"#/components/schemas/', '"#/$defs/');
  return {
    $id: `https://b2b.local/contracts/api/openapi.json/${encodeURIComponent(name)}`,
    ...(JSON.parse(text) as SchemaObject),
  };
}

function headerValue(headers: ApiAnswer['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1];
}

function describe(errors: Parameters<typeof describeSchemaErrors>[0]): string {
  return describeSchemaErrors(errors)
    .map((problem) => `${problem.path || '(root)'} ${problem.reason}`)
    .join('; ');
}
