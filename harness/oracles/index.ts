import { alertFired } from './alertFired.js';
import { alertNone } from './alertNone.js';
import { auditRecorded } from './auditRecorded.js';
import { deliveryResponse } from './deliveryResponse.js';
import { deliveryTally } from './deliveryTally.js';
import { inboxAbsent } from './inboxAbsent.js';
import { inboxExactlyOnce } from './inboxExactlyOnce.js';
import { logRecorded } from './logRecorded.js';
import { metricsIncreased } from './metricsIncreased.js';
import type { OracleKind } from './oracleKind.js';
import { orderState } from './orderState.js';

export type { OracleCheck, OracleKind } from './oracleKind.js';

/** Every oracle kind, by the name scenario files use. */
export const ORACLE_KINDS: Record<string, OracleKind<never>> = Object.fromEntries(
  [
    deliveryResponse,
    deliveryTally,
    inboxExactlyOnce,
    inboxAbsent,
    auditRecorded,
    alertFired,
    alertNone,
    orderState,
    metricsIncreased,
    logRecorded,
  ].map((oracle) => [oracle.kind, oracle as OracleKind<never>]),
);
