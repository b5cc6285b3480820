import type { WebhookFault } from './webhookFault.js';
import { withFault } from '../deliveryPlan.js';

/**
 * Deliveries of a batch arrive in another order than they happened: reversed, shuffled with the
 * run's seed, or in an explicit order of positions.
 */
export const reorder: WebhookFault<{ order: 'reverse' | 'shuffle' | number[] }> = {
  name: 'reorder',
  summary: 'send the batch in another order: reverse, shuffle (seeded) or explicit positions',
  apply(plan, params, context) {
    let reordered;
    if (params.order === 'reverse') reordered = [...plan].reverse();
    else if (params.order === 'shuffle') reordered = context.random.shuffle(plan);
    else {
      const positions = params.order;
      const valid =
        positions.length === plan.length &&
        [...positions].sort((a, b) => a - b).every((value, index) => value === index);
      if (!valid)
        throw new RangeError(`reorder: order must be a permutation of 0..${plan.length - 1}`);
      reordered = positions.map((position) => plan[position] as (typeof plan)[number]);
    }
    return reordered.map((wave) => wave.map((spec) => withFault(spec, 'reorder')));
  },
};
