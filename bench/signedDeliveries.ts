import { signXSignature } from '../contracts/signatures/xSignature.js';

export interface PreparedDelivery {
  body: Buffer;
  headers: Record<string, string>;
  duplicate: boolean;
}

/**
 * The load: `count` signed order.created deliveries as a partner would send them, of which about
 * `duplicateRatio` repeat an earlier event byte for byte (at-least-once redelivery). Prepared
 * before the clock starts so the generator spends its time sending, not signing.
 */
export function prepareDeliveries(options: {
  count: number;
  duplicateRatio: number;
  secret: string;
  runTag: string;
  seed: number;
}): {
  deliveries: PreparedDelivery[];
  uniqueEvents: number;
} {
  let state = options.seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const nowS = Math.floor(Date.now() / 1000);
  const stamp = new Date(nowS * 1000).toISOString();
  const bodies: Buffer[] = [];
  const deliveries: PreparedDelivery[] = [];
  for (let index = 0; index < options.count; index++) {
    const duplicate = bodies.length > 0 && random() < options.duplicateRatio;
    let body: Buffer;
    if (duplicate) {
      body = bodies[Math.floor(random() * bodies.length)] as Buffer;
    } else {
      const n = bodies.length;
      body = Buffer.from(
        JSON.stringify({
          event_id: `evt-bench-${options.runTag}-${n}`,
          type: 'order.created',
          occurred_at: stamp,
          data: {
            order: {
              OrderNumber: `ORD-bench-${options.runTag}-${n}`,
              TotalGross: 1000 + (n % 90_000),
              CurrencyCode: 'EUR',
              LastModified: stamp,
              BuyerEmail: `buyer${n}@example.com`,
            },
          },
        }),
      );
      bodies.push(body);
    }
    deliveries.push({
      body,
      duplicate,
      headers: {
        'content-type': 'application/json',
        'x-correlation-id': `bench-${options.runTag}-${index}`,
        'x-signature': signXSignature(options.secret, nowS, body),
      },
    });
  }
  return { deliveries, uniqueEvents: bodies.length };
}
