import { compileSchema } from '../../../../contracts/schemaValidator.js';
import { WEBHOOK_FAULTS, type FaultSpec } from '../../../../simulators/webhook/faults/index.js';
import type { FaultKind } from '../../faultKind.js';
import type { KindSchema } from '../../kindSchema.js';
import burst from './burst.schema.json' with { type: 'json' };
import delay from './delay.schema.json' with { type: 'json' };
import duplicate from './duplicate.schema.json' with { type: 'json' };
import expiredTimestamp from './expiredTimestamp.schema.json' with { type: 'json' };
import futureTimestamp from './futureTimestamp.schema.json' with { type: 'json' };
import missingHeader from './missingHeader.schema.json' with { type: 'json' };
import reorder from './reorder.schema.json' with { type: 'json' };
import replay from './replay.schema.json' with { type: 'json' };
import tamperBody from './tamperBody.schema.json' with { type: 'json' };
import wrongSecret from './wrongSecret.schema.json' with { type: 'json' };

/**
 * The parameters each webhook sender fault takes in a scenario file, by the fault's name. The
 * faults themselves live with the simulator (simulators/webhook/faults/, one file each); this
 * pairs each with its schema, in the simulator's order.
 */
const SCHEMAS: Record<string, KindSchema> = {
  duplicate,
  replay,
  delay,
  tamperBody,
  wrongSecret,
  expiredTimestamp,
  futureTimestamp,
  missingHeader,
  burst,
  reorder,
};

/** The webhook faults a scenario can name; a simulator fault without a schema is not offered. */
export const WEBHOOK_FAULT_KINDS: readonly FaultKind[] = Object.values(WEBHOOK_FAULTS).flatMap(
  (fault) => {
    const schema = SCHEMAS[fault.name];
    return schema ? [{ name: fault.name, summary: fault.summary, schema }] : [];
  },
);

/** One webhook fault, as a scenario's `faults:` entry or `b2b sim webhook send --fault` gives it. */
export const webhookFaultSchema = {
  type: 'object',
  required: ['name'],
  discriminator: { propertyName: 'name' },
  oneOf: WEBHOOK_FAULT_KINDS.map((fault) => fault.schema),
};

/** Checks one fault on its own (the CLI's `--fault`), with the same errors a scenario file gets. */
export function webhookFaultValidator() {
  return compileSchema<FaultSpec>({
    $id: 'https://b2b.local/harness/flows/webhook/fault.schema.json',
    ...webhookFaultSchema,
  });
}
