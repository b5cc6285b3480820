import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Verifier } from '@pact-foundation/pact';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import { resolveApiClients } from '../../../pipeline/api/auth/index.js';
import {
  loadTestProfiles,
  startPipelineUnderTest,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import {
  BOTH_SCOPES,
  CLIENT_ID,
  EXAMPLE_SECRET,
  EXAMPLE_TOKEN,
  PACT_FILE,
  PROVIDER,
  READ_ONLY_TOKEN,
  READ_SCOPE,
  STATES,
  basicCredentials,
} from './partnerApiPact.js';

/**
 * The partner API's pact, replayed against the real pipeline (in-process, PGlite, p_001's own
 * profile: tokens of 300 s, 50 requests per second). Each provider state starts a fresh pipeline
 * behind one listening socket and sets up what the state promises through the pipeline's public
 * API, so every interaction meets exactly its state. A request filter, Pact's documented way for
 * credentials, swaps the pact's example Basic credentials and tokens for real ones; a forged
 * token or a wrong secret in the pact is left as it is.
 */
describe('the partner API pact, provider side (the real pipeline)', () => {
  let profiles: Map<string, PartnerProfile>;
  const secret = randomBytes(24).toString('base64url');
  let current: PipelineUnderTest | undefined;
  let front: Server;
  let frontUrl: string;

  beforeAll(async () => {
    profiles = await loadTestProfiles();
    front = createServer((req, res) => {
      if (!current) {
        res.writeHead(503).end();
        return;
      }
      current.pipeline.app(req, res);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await current?.close();
    await new Promise<void>((resolve) => {
      front.close(() => resolve());
      front.closeAllConnections();
    });
  });

  /** A fresh pipeline for the next interaction. */
  async function freshPipeline(): Promise<PipelineUnderTest> {
    const previous = current;
    current = undefined;
    await previous?.close();
    current = await startPipelineUnderTest(
      { name: 'pglite' },
      {
        profiles,
        apiClients: resolveApiClients(profiles, { B2B_P_001_API_CLIENT_SECRET: secret }),
      },
    );
    return current;
  }

  async function realToken(sut: PipelineUnderTest, scope: string): Promise<string> {
    const answer = await sut.post(
      '/oauth/token',
      new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      {
        authorization: basicCredentials(CLIENT_ID, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    if (answer.status !== 200) throw new Error(`no token: ${answer.status} ${answer.text}`);
    return (answer.json as { access_token: string }).access_token;
  }

  async function createOrder(
    sut: PipelineUnderTest,
    key: string,
    order: { order_id: string; total_amount: number },
  ): Promise<void> {
    const answer = await sut.post('/v1/orders', JSON.stringify({ ...order, currency: 'EUR' }), {
      authorization: `Bearer ${await realToken(sut, BOTH_SCOPES)}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    });
    if (answer.status !== 201)
      throw new Error(`order not created: ${answer.status} ${answer.text}`);
  }

  const stateHandlers = {
    [STATES.client]: async () => {
      // Nothing to set up but a rate window of its own: a pipeline already running will do.
      if (current) current.clock.advance(1000);
      else await freshPipeline();
    },
    [STATES.noOrder]: async () => {
      await freshPipeline();
    },
    [STATES.twoOrders]: async () => {
      const sut = await freshPipeline();
      await createOrder(sut, 'pact-key-1', { order_id: 'pact-order-1', total_amount: 1001 });
      await createOrder(sut, 'pact-key-2', { order_id: 'pact-order-2', total_amount: 1002 });
    },
    [STATES.firstPageRead]: async () => {
      const sut = await freshPipeline();
      await createOrder(sut, 'pact-key-1', { order_id: 'pact-order-1', total_amount: 1001 });
      await createOrder(sut, 'pact-key-2', { order_id: 'pact-order-2', total_amount: 1002 });
      const first = await sut.get('/v1/orders?limit=1', {
        authorization: `Bearer ${await realToken(sut, READ_SCOPE)}`,
      });
      // Injected into the interaction's request (fromProviderState('${cursor}')).
      return { cursor: (first.json as { next_cursor: string }).next_cursor };
    },
    [STATES.orderCreated]: async () => {
      const sut = await freshPipeline();
      await createOrder(sut, 'pact-key-4', { order_id: 'pact-order-4', total_amount: 1999 });
    },
    [STATES.budgetSpent]: async () => {
      const sut = await freshPipeline();
      const authorization = `Bearer ${await realToken(sut, READ_SCOPE)}`;
      const limit = profiles.get('p_001')?.api?.rate_limit?.requests ?? 0;
      // The pipeline's clock stands still: every request falls in the same window.
      for (let request = 0; request < limit; request++) {
        const answer = await sut.get('/v1/orders?limit=1', { authorization });
        if (answer.status !== 200) throw new Error(`budget spent too early: ${answer.status}`);
      }
    },
  };

  /** The pact's example credentials and tokens become real ones; anything else stays. */
  async function withRealCredentials(req: Request): Promise<void> {
    const sut = current;
    if (!sut) return;
    const authorization = req.headers.authorization;
    if (authorization === basicCredentials(CLIENT_ID, EXAMPLE_SECRET))
      req.headers.authorization = basicCredentials(CLIENT_ID, secret);
    const scope = new Map([
      [`Bearer ${EXAMPLE_TOKEN}`, BOTH_SCOPES],
      [`Bearer ${READ_ONLY_TOKEN}`, READ_SCOPE],
    ]).get(authorization ?? '');
    if (scope) req.headers.authorization = `Bearer ${await realToken(sut, scope)}`;
    // The verifier's proxy parses a form body and would pass it on as JSON (pact-js #1233).
    if (req.is('application/x-www-form-urlencoded') && isFields(req.body)) {
      const form = Buffer.from(new URLSearchParams(req.body).toString());
      req.body = form;
      req.headers['content-length'] = String(form.length);
    }
  }

  it('keeps every interaction of contracts/pacts/', async () => {
    const verifier = new Verifier({
      provider: PROVIDER,
      providerBaseUrl: frontUrl,
      pactUrls: [PACT_FILE],
      stateHandlers,
      requestFilter: (req: Request, _res: Response, next: NextFunction) => {
        withRealCredentials(req).then(() => next(), next);
      },
      logLevel: 'warn',
    });
    await expect(verifier.verifyProvider()).resolves.toBeDefined();
  });
});

function isFields(body: unknown): body is Record<string, string> {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Buffer.isBuffer(body) &&
    Object.values(body).every((value) => typeof value === 'string')
  );
}
