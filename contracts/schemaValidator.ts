import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats ships CommonJS; under NodeNext its default export arrives wrapped.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule;

/**
 * One ajv instance for every contract schema (JSON Schema 2020-12, all errors, formats on).
 * Schemas are compiled once and cached by their `$id`.
 */
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  discriminator: true,
  verbose: true,
});
(addFormats as unknown as (instance: Ajv2020) => void)(ajv);

const cache = new Map<string, ValidateFunction>();

export function compileSchema<T>(schema: { $id: string }): ValidateFunction<T> {
  let validate = cache.get(schema.$id);
  if (!validate) {
    validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
    cache.set(schema.$id, validate);
  }
  return validate as ValidateFunction<T>;
}

export interface SchemaProblem {
  /** JSON pointer to the offending value, `""` for the document itself. */
  path: string;
  reason: string;
}

/**
 * ajv's errors turned into one readable line each. Branch noise from `if/then` and `oneOf` is
 * dropped when a more specific error points at the same place or deeper.
 */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  if (!errors) return [];
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'allOf') continue;
    let path = error.instancePath;
    let reason = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      path = `${path}/${extra}`;
      reason = 'is not a known field';
    } else if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      path = `${path}/${missing}`;
      reason = 'is required';
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      reason = `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
    } else if (error.keyword === 'discriminator') {
      const { tag, tagValue } = error.params as { tag: string; tagValue: unknown };
      const known = (
        (
          error.parentSchema as
            { oneOf?: { properties?: Record<string, { const?: unknown }> }[] } | undefined
        )?.oneOf ?? []
      )
        .map((branch) => branch.properties?.[tag]?.const)
        .filter((value) => value !== undefined);
      path = `${path}/${tag}`;
      reason =
        typeof tagValue === 'string'
          ? `"${tagValue}" is not a known ${tag}; known: ${known.join(', ')}`
          : `is required (one of: ${known.join(', ')})`;
    } else if (error.keyword === 'const') {
      reason = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
    }
    if (!problems.some((known) => known.path === path && known.reason === reason))
      problems.push({ path, reason });
  }
  return problems;
}
