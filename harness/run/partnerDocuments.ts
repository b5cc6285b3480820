/**
 * A business document the partner sent, whatever carried it (a webhook event, an order created
 * through our API, an 850 through the VAN), filed under the ref the scenario gave it. Oracles
 * derive their expectations from these: which order an event was about, what state it carried.
 */
export interface PartnerDocument {
  /** The scenario's name for it: `e1`. */
  ref: string;
  /** Its run-unique id on the wire: the event id, the message id. */
  id: string;
  /** What it says happened: `order.created`. */
  type: string;
  /** The order it carries, in the partner's field names (the profile's field_mapping maps them). */
  order?: { ref: string; number: string; fields: Record<string, unknown> };
}

/**
 * The documents of one scenario, by ref. A ref sent again (a buggy sender reusing an event id for
 * other content) files the later document: oracles judge against what was sent last.
 */
export class PartnerDocuments {
  readonly #byRef = new Map<string, PartnerDocument>();

  file(document: PartnerDocument): void {
    this.#byRef.set(document.ref, document);
  }

  get(ref: string): PartnerDocument | undefined {
    return this.#byRef.get(ref);
  }

  /** The order number a document was about, as the partner wrote it. */
  orderNumberOf(ref: string): string | undefined {
    return this.#byRef.get(ref)?.order?.number;
  }
}
