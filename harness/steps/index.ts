import type { StepKind } from './stepKind.js';
import { webhookRedeliver } from './webhookRedeliver.js';
import { webhookSend } from './webhookSend.js';
import { webhookSendRaw } from './webhookSendRaw.js';

export type { StepKind, StepOutput } from './stepKind.js';

/** Every step kind, by the name scenario files use. */
export const STEP_KINDS: Record<string, StepKind<never>> = Object.fromEntries(
  [webhookSend, webhookRedeliver, webhookSendRaw].map((step) => [
    step.kind,
    step as StepKind<never>,
  ]),
);
