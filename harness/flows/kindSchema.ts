/**
 * The JSON Schema of one step, oracle or fault kind, kept beside the kind's file. The scenario
 * schema is assembled from these (harness/scenarios/scenarioSchema.ts), so a kind is added by adding
 * its file and its schema, never by editing one big schema. Local `$ref`s resolve against the
 * assembled document: `#/$defs/stepId` and the other shared definitions of
 * contracts/scenarios/scenario.schema.json, and the definitions a flow contributes.
 */
export interface KindSchema {
  type: 'object' | string;
  description?: string;
  required: readonly string[];
  properties: Record<string, unknown>;
  [keyword: string]: unknown;
}

/** The name a kind's schema fixes for its discriminator field (`kind` or `name`). */
export function schemaName(schema: KindSchema, field: 'kind' | 'name'): string | undefined {
  const property = schema.properties[field] as { const?: unknown } | undefined;
  return typeof property?.const === 'string' ? property.const : undefined;
}
