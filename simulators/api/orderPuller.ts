import type { ApiOrder, ApiOrderPage } from '../../contracts/api/partnerApi.js';
import type { ApiExchange, ApiOutcome } from './apiExchange.js';
import type { ApiFaultSpec } from './faults/index.js';
import type { ExportQuery, PartnerApiClient } from './partnerApiClient.js';

/**
 * The partner reading our order export as partners do: a first page from `changed_since` (or from
 * a cursor kept from last time), then `next_cursor` back as `cursor` while `has_more`; once the
 * feed is drained, stop, or wait and poll again from the last cursor.
 *
 *   changed_since ─> page ─has_more─> cursor ─> page ─ … ─> drained ─┬─ stopWhen() was true ─> done
 *                                                                     └─ else: sleep, poll again
 */
export interface PullRequest {
  changedSince?: string;
  /** Continue from a cursor kept from an earlier pull. */
  cursor?: string;
  limit?: number;
  faults?: ApiFaultSpec[];
  correlationPrefix?: string;
  /**
   * Whether the partner may stop once drained; read *before* each request, so the drained page
   * that ends the pull was asked for after it turned true. Default: stop at the first drained
   * page. has_more false means "all that is visible now": on PostgreSQL a change becomes visible
   * only once every older transaction in the cluster has ended, so a reader that must see what a
   * writer wrote stops when the writer is idle *and* nothing it applied is unread
   * (OrderWriter.unread), with maxPages as the bound.
   */
  stopWhen?: () => boolean;
  /** Between two polls of a drained feed (default 1000 ms), through the client's sleeper. */
  pollIntervalMs?: number;
  /** At most this many page requests (default 10,000): a feed that never drains is a finding, not a hang. */
  maxPages?: number;
}

/** One page request: what was asked, and what came back. */
export interface PulledPage {
  query: ExportQuery;
  outcome: ApiOutcome<ApiOrderPage>;
  /** The feed was drained and the partner was free to stop: this page ends the pull. */
  final: boolean;
}

export interface PullResult {
  /** Every order change read, in feed order, page after page. */
  items: ApiOrder[];
  pages: ApiOrderPage[];
  /** Where to continue next time: the last next_cursor. */
  cursor?: string;
  exchanges: ApiExchange[];
  /** drained: has_more false after stopWhen; refused: a page was refused (see `refusal`). */
  stoppedBecause: 'drained' | 'refused' | 'maxPages';
  refusal?: ApiExchange;
}

export class OrderPuller {
  readonly #client: PartnerApiClient;

  constructor(client: PartnerApiClient) {
    this.#client = client;
  }

  /** Page after page as they arrive; ends after a drained page (see stopWhen) or a refusal. */
  async *pages(request: PullRequest): AsyncGenerator<PulledPage> {
    const stopWhen = request.stopWhen ?? (() => true);
    const maxPages = request.maxPages ?? 10_000;
    let cursor = request.cursor;
    for (let asked = 0; asked < maxPages; asked++) {
      const finalPass = stopWhen();
      // changed_since goes with the first request only: the cursor carries it from then on.
      const query: ExportQuery = {
        ...(cursor === undefined
          ? request.changedSince === undefined
            ? {}
            : { changedSince: request.changedSince }
          : { cursor }),
        ...(request.limit === undefined ? {} : { limit: request.limit }),
      };
      const outcome = await this.#client.exportOrders(query, {
        ...(request.faults ? { faults: request.faults } : {}),
        ...(request.correlationPrefix ? { correlationPrefix: request.correlationPrefix } : {}),
      });
      const page = outcome.value;
      const final = page !== undefined && !page.has_more && finalPass;
      yield { query, outcome, final };
      if (!page || final) return;
      cursor = page.next_cursor;
      if (page.has_more) continue;
      await this.#client.sleeper.sleep(request.pollIntervalMs ?? 1000);
    }
  }

  /** The whole pull, collected. */
  async pull(request: PullRequest): Promise<PullResult> {
    const result: PullResult = { items: [], pages: [], exchanges: [], stoppedBecause: 'maxPages' };
    for await (const pulled of this.pages(request)) {
      result.exchanges.push(...pulled.outcome.exchanges);
      const page = pulled.outcome.value;
      if (!page) {
        result.stoppedBecause = 'refused';
        result.refusal = pulled.outcome.answer;
        continue;
      }
      result.pages.push(page);
      result.items.push(...page.items);
      result.cursor = page.next_cursor;
      if (pulled.final) result.stoppedBecause = 'drained';
    }
    return result;
  }
}
