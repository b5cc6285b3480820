import {
  IDEMPOTENT_REPLAYED_HEADER,
  type ApiOrder,
  type ApiOrderReceipt,
  type ApiOrderRequest,
} from '../../contracts/api/partnerApi.js';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { OrderEventType } from '../../contracts/webhooks/orderEvent.js';
import { isoUtc, type Clock } from '../../lib/clock.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import type { WebhookSender } from '../webhook/webhookSender.js';
import type { PartnerApiClient } from './partnerApiClient.js';

/**
 * The partner writing while it (or another of its systems) reads the export: the B-001 writer.
 * It creates and changes orders through `POST /v1/orders` and, when given a webhook sender,
 * through signed webhooks too, several at a time, and writes down exactly what each write did:
 * which order, which version (updated_at, event_id), and whether the pipeline applied it. An
 * oracle then holds the export against that record: every applied version read exactly once, and
 * nothing else.
 *
 *   script [s1, s2, …] ──> `concurrency` workers ─┬─ api:     POST /v1/orders ──> receipt ─┐
 *                                                 └─ webhook: signed event ───> inbox ────┴─> WrittenChange
 */
export type WriteStep =
  | { via: 'api'; order: ApiOrderRequest; idempotencyKey?: string }
  | {
      via: 'webhook';
      eventId: string;
      type: OrderEventType;
      orderId: string;
      totalAmount: number;
      currency: string;
    };

/** What one write did, as the pipeline answered it. */
export interface WrittenChange {
  /** Its place in the script. */
  step: number;
  via: 'api' | 'webhook';
  orderId: string;
  totalAmount: number;
  /**
   * The version this write gave the order, as the export will show it. Known for an applied API
   * write (from the receipt) and for every webhook (we chose both parts); a superseded API write's
   * event id is the pipeline's and not returned.
   */
  version?: { updatedAt: string; eventId: string };
  /** applied: the order took this state; superseded: a newer one was there; replayed: a retry. */
  effect: 'applied' | 'superseded' | 'replayed' | 'refused';
  status: number;
  correlationId: string;
}

export interface OrderWriterOptions {
  client: PartnerApiClient;
  /** For webhook steps: the partner's sender, and its profile (the event's field names). */
  webhooks?: { sender: WebhookSender; profile: PartnerProfile };
  clock: Clock;
  correlationPrefix: string;
}

export class OrderWriter {
  readonly #options: OrderWriterOptions;
  readonly #written: WrittenChange[] = [];
  #running = 0;

  constructor(options: OrderWriterOptions) {
    this.#options = options;
  }

  /** Runs the script, `concurrency` writes in flight at a time; resolves when all are answered. */
  async write(
    script: WriteStep[],
    options: { concurrency?: number } = {},
  ): Promise<WrittenChange[]> {
    this.#running += 1;
    try {
      const changes: WrittenChange[] = [];
      let next = 0;
      const worker = async () => {
        while (next < script.length) {
          const step = next++;
          const change = await this.#writeStep(step, script[step] as WriteStep);
          changes.push(change);
          this.#written.push(change);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
      return changes;
    } finally {
      this.#running -= 1;
    }
  }

  /** No script is running: every write made has been answered (hence committed, if accepted). */
  get idle(): boolean {
    return this.#running === 0;
  }

  /** Every write so far, in the order the answers came. */
  written(): readonly WrittenChange[] {
    return this.#written;
  }

  /** The versions the export must show, each exactly once. */
  applied(): WrittenChange[] {
    return this.#written.filter((change) => change.effect === 'applied');
  }

  /**
   * The applied versions not among `read` (orders from the export). A pipeline on PostgreSQL shows
   * a change only once every older transaction in its cluster has ended, so a reader that wants
   * everything written polls until this is empty, not merely until has_more is false.
   */
  unread(read: readonly ApiOrder[]): WrittenChange[] {
    const seen = new Set(
      read.map((order) => versionKey(order.order_id, order.updated_at, order.event_id)),
    );
    return this.applied().filter(
      (change) =>
        !change.version ||
        !seen.has(versionKey(change.orderId, change.version.updatedAt, change.version.eventId)),
    );
  }

  async #writeStep(step: number, write: WriteStep): Promise<WrittenChange> {
    if (write.via === 'api') {
      const outcome = await this.#options.client.createOrder(write.order, {
        correlationPrefix: this.#options.correlationPrefix,
        ...(write.idempotencyKey ? { idempotencyKey: write.idempotencyKey } : {}),
      });
      const { answer } = outcome;
      const receipt = outcome.value as ApiOrderReceipt | undefined;
      const replayed = answer.headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] === 'true';
      const effect = !receipt ? 'refused' : replayed ? 'replayed' : receipt.effect;
      return {
        step,
        via: 'api',
        orderId: write.order.order_id,
        totalAmount: write.order.total_amount,
        ...(receipt && effect === 'applied'
          ? { version: { updatedAt: receipt.order.updated_at, eventId: receipt.order.event_id } }
          : {}),
        effect,
        status: answer.status,
        correlationId: answer.correlationId,
      };
    }

    const webhooks = this.#options.webhooks;
    if (!webhooks) throw new Error(`write step ${step} is a webhook, and the writer has no sender`);
    const updatedAt = isoUtc(this.#options.clock.now());
    const [delivery] = await webhooks.sender.send({
      events: [
        {
          eventId: write.eventId,
          type: write.type,
          occurredAt: updatedAt,
          order: partnerOrder(webhooks.profile, {
            order_id: write.orderId,
            total_amount: write.totalAmount,
            currency: write.currency,
            updated_at: updatedAt,
          }),
        },
      ],
      correlationPrefix: this.#options.correlationPrefix,
    });
    if (!delivery) throw new Error(`write step ${step}: the webhook sender sent nothing`);
    const answer = delivery.body as { status?: string; effect?: 'applied' | 'superseded' };
    const effect =
      delivery.status !== 200
        ? 'refused'
        : answer.status === 'replayed'
          ? 'replayed'
          : (answer.effect ?? 'applied');
    return {
      step,
      via: 'webhook',
      orderId: write.orderId,
      totalAmount: write.totalAmount,
      version: { updatedAt, eventId: write.eventId },
      effect,
      status: delivery.status,
      correlationId: delivery.correlationId,
    };
  }
}

/**
 * A script of order churn: `orders` orders created, then each changed `changesPerOrder` times,
 * round after round; every `webhookEvery`-th write goes as a webhook instead (0: none). Ids carry
 * `prefix` (the run id), so concurrent runs never write each other's orders.
 */
export function orderChurn(options: {
  prefix: string;
  orders: number;
  changesPerOrder: number;
  webhookEvery?: number;
  currency?: string;
  random: SeededRandom;
}): WriteStep[] {
  const currency = options.currency ?? 'EUR';
  const steps: WriteStep[] = [];
  for (let round = 0; round <= options.changesPerOrder; round++) {
    for (let index = 0; index < options.orders; index++) {
      const orderId = `${options.prefix}-o${index}`;
      const totalAmount = 100 + options.random.int(1_000_000);
      const viaWebhook =
        (options.webhookEvery ?? 0) > 0 && (steps.length + 1) % (options.webhookEvery ?? 1) === 0;
      steps.push(
        viaWebhook
          ? {
              via: 'webhook',
              // Zero-padded: within one instant, later rounds sort (and so win) after earlier ones.
              eventId: `${options.prefix}-o${index}-r${String(round).padStart(4, '0')}`,
              type: round === 0 ? 'order.created' : 'order.updated',
              orderId,
              totalAmount,
              currency,
            }
          : { via: 'api', order: { order_id: orderId, total_amount: totalAmount, currency } },
      );
    }
  }
  return steps;
}

function versionKey(orderId: string, updatedAt: string, eventId: string): string {
  return JSON.stringify([orderId, updatedAt, eventId]);
}

/** The order in the partner's own field names, by its profile's field mapping. */
function partnerOrder(
  profile: PartnerProfile,
  fields: Record<string, string | number>,
): Record<string, unknown> {
  const rules = profile.field_mapping?.order ?? [];
  const order: Record<string, unknown> = {};
  for (const [ours, value] of Object.entries(fields)) {
    const rule = rules.find((candidate) => candidate.ours === ours);
    order[rule?.partner ?? ours] = value;
  }
  return order;
}
