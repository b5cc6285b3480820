import { alertFired } from './alertFired.js';
import { alertNone } from './alertNone.js';
import { auditRecorded } from './auditRecorded.js';
import { deliveryResponse } from './deliveryResponse.js';
import { deliveryTally } from './deliveryTally.js';
import { logRecorded } from './logRecorded.js';
import { metricsIncreased } from './metricsIncreased.js';
import type { OracleKind } from './oracleKind.js';
import { orderState } from './orderState.js';

export type { OracleCheck, OracleKind } from './oracleKind.js';

/**
 * The oracle kinds every flow shares: they read the exchange log (whatever the mode) and the ops
 * API's general records (audit, alerts, orders, metrics, the log). A mode's own surfaces (the
 * webhook inbox) have their oracles in its flow; harness/flows/index.ts lists all of them.
 */
export const GENERAL_ORACLES: readonly OracleKind<never>[] = [
  deliveryResponse,
  deliveryTally,
  auditRecorded,
  alertFired,
  alertNone,
  orderState,
  metricsIncreased,
  logRecorded,
] as OracleKind<never>[];
