import type {
  ApiOrderPage,
  ApiOrderReceipt,
  ApiOrderRequest,
} from '../../../contracts/api/partnerApi.js';
import type { TokenAnswer } from '../../../simulators/api/accessTokens.js';
import type { ApiExchange, ApiOutcome } from '../../../simulators/api/apiExchange.js';
import {
  PartnerApiClient,
  type CallOptions,
  type CreateOrderOptions,
  type ExportQuery,
  type PartnerApiClientOptions,
} from '../../../simulators/api/partnerApiClient.js';

/**
 * The partner's API client, telling the harness about every exchange each operation made (token
 * requests and waited-out 429s included) the moment the operation ends: the simulator's puller
 * and writer drive it unchanged, and nothing they do escapes the scenario's exchange record.
 */
export class RecordingApiClient extends PartnerApiClient {
  readonly #heard: (exchanges: readonly ApiExchange[]) => void;

  constructor(
    options: PartnerApiClientOptions,
    heard: (exchanges: readonly ApiExchange[]) => void,
  ) {
    super(options);
    this.#heard = heard;
  }

  override async requestToken(
    options: { scope?: string; correlationPrefix?: string } = {},
  ): Promise<ApiOutcome<TokenAnswer>> {
    return this.#hear(await super.requestToken(options));
  }

  override async exportOrders(
    query: ExportQuery,
    options: CallOptions = {},
  ): Promise<ApiOutcome<ApiOrderPage>> {
    return this.#hear(await super.exportOrders(query, options));
  }

  override async createOrder(
    order: ApiOrderRequest,
    options: CreateOrderOptions = {},
  ): Promise<ApiOutcome<ApiOrderReceipt>> {
    return this.#hear(await super.createOrder(order, options));
  }

  #hear<T>(outcome: ApiOutcome<T>): ApiOutcome<T> {
    this.#heard(outcome.exchanges);
    return outcome;
  }
}
