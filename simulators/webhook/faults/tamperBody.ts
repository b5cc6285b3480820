import { withFault, type DeliverySpec } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

type Tampering = 'amount' | 'whitespace' | 'truncate';

/**
 * The body changes after it was signed, as a man in the middle or a re-serialising proxy would:
 * `amount` raises the order total by one minor unit (still valid JSON), `whitespace` adds a space,
 * `truncate` cuts the last byte.
 */
export const tamperBody: WebhookFault<{ how?: Tampering }> = {
  name: 'tamperBody',
  summary: 'change the body after signing it (amount, whitespace or truncate)',
  apply(plan, params) {
    const how = params.how ?? 'amount';
    return plan.map((wave) =>
      wave.map((spec) => withFault(spec, 'tamperBody', { body: tampered(spec, how) })),
    );
  },
};

function tampered(spec: DeliverySpec, how: Tampering): Buffer {
  if (how === 'whitespace') return Buffer.concat([spec.body, Buffer.from(' ')]);
  if (how === 'truncate') return spec.body.subarray(0, Math.max(0, spec.body.length - 1));
  const event = JSON.parse(spec.body.toString('utf8')) as {
    data?: { order?: Record<string, unknown> };
  };
  const order = event.data?.order;
  if (order && typeof order.TotalGross === 'number') order.TotalGross += 1;
  else if (order) order.Tampered = true;
  return Buffer.from(JSON.stringify(event));
}
