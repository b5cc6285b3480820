import type { KindSchema } from './kindSchema.js';

/**
 * A fault as a scenario file names it (`{ name: duplicate, copies: 2 }`): its name, what it does,
 * and the schema of its parameters. The fault's behaviour lives with the simulator that injects it
 * (simulators/<mode>/faults/); a flow pairs each with its schema so scenario files are checked
 * before anything runs.
 */
export interface FaultKind {
  name: string;
  summary: string;
  schema: KindSchema;
}
