/** A map key for a record that is unique per partner: an event id, an order id. */
export function partnerKey(partnerId: string, id: string): string {
  return `${partnerId}\u0000${id}`;
}
