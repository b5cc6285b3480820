import { readFileSync } from 'node:fs';
import express from 'express';

/**
 * The yardstick of the order export benchmark: a bare express handler that serves the same JSON
 * page of orders the pipeline served (parsed once, serialised per request as the pipeline does),
 * with no token check, rate limit or store. Run as its own process, like the pipeline, so it does
 * not share the load generator's event loop. Prints its port once it listens.
 *
 *   BENCH_PAGE_FILE=page.json node --import tsx bench/orderExportBare.ts
 */
const page: unknown = JSON.parse(readFileSync(process.env.BENCH_PAGE_FILE as string, 'utf8'));
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/v1/orders', (_req, res) => {
  res.json(page);
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
