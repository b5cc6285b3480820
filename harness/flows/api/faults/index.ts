import { API_FAULTS } from '../../../../simulators/api/faults/index.js';
import type { FaultKind } from '../../faultKind.js';
import type { KindSchema } from '../../kindSchema.js';
import burstBeyondRateLimit from './burstBeyondRateLimit.schema.json' with { type: 'json' };
import expiredToken from './expiredToken.schema.json' with { type: 'json' };
import forgedToken from './forgedToken.schema.json' with { type: 'json' };
import noIdempotencyKey from './noIdempotencyKey.schema.json' with { type: 'json' };
import replayIdempotencyKey from './replayIdempotencyKey.schema.json' with { type: 'json' };
import tamperCursor from './tamperCursor.schema.json' with { type: 'json' };
import wrongScope from './wrongScope.schema.json' with { type: 'json' };

/**
 * The parameters each API client fault takes in a scenario file, by the fault's name. The faults
 * themselves live with the simulator (simulators/api/faults/, one file each); this pairs each with
 * its schema, in the simulator's order.
 */
const SCHEMAS: Record<string, KindSchema> = {
  expiredToken,
  forgedToken,
  wrongScope,
  tamperCursor,
  replayIdempotencyKey,
  noIdempotencyKey,
  burstBeyondRateLimit,
};

/** The API faults a scenario can name; a simulator fault without a schema is not offered. */
export const API_FAULT_KINDS: readonly FaultKind[] = Object.values(API_FAULTS).flatMap((fault) => {
  const schema = SCHEMAS[fault.name];
  return schema ? [{ name: fault.name, summary: fault.summary, schema }] : [];
});
