import { connect, createServer, type Socket } from 'node:net';
import { errorMessage } from '../../../lib/errors.js';

/** A relay the partner's client calls instead of the SUT; it opens each connection from elsewhere. */
export interface CallerAddressRelay {
  /** The base URL to aim the client at. */
  url: string;
  close(): Promise<void>;
}

/**
 * The partner calling from another address, such as one outside its IP allowlist: a TCP relay on
 * loopback that opens every connection to the SUT from `localAddress` (127.0.0.2 is loopback on
 * Linux, yet not 127.0.0.1), as a NAT gateway would. Bytes pass through unchanged, so the
 * pipeline sees exactly the partner's requests, from that address.
 *
 *   API client ──> relay 127.0.0.1:<ephemeral> ──(bound to localAddress)──> SUT
 */
export async function startCallerAddressRelay(
  sutUrl: string,
  localAddress: string,
): Promise<CallerAddressRelay> {
  const target = new URL(sutUrl);
  // A TLS SUT's certificate names its own host, not the relay's: only plain HTTP is relayed.
  if (target.protocol !== 'http:')
    throw new Error(`calling from ${localAddress} needs an http:// SUT, not ${target.protocol}//`);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 80);
  await probe(host, port, localAddress);

  const sockets = new Set<Socket>();
  const server = createServer((incoming) => {
    const outgoing = connect({ host, port, localAddress });
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      // Either side failing ends both: the client sees its connection drop, as over any network.
      socket.once('error', () => {
        incoming.destroy();
        outgoing.destroy();
      });
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port: relayPort } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${relayPort}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One connection from `localAddress`, so a machine that cannot call from there says so at once. */
async function probe(host: string, port: number, localAddress: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, localAddress }, () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error) =>
      reject(
        new Error(
          `cannot reach the SUT at ${host}:${port} from ${localAddress}: ${errorMessage(error)} ` +
            '(every 127.x.y.z is loopback on Linux; elsewhere the address must be configured)',
        ),
      ),
    );
  });
}
