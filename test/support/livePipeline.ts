import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { silentLogger } from '../../lib/logger.js';
import { resolvePartnerSecrets } from '../../pipeline/partnerSecrets.js';
import { startPipelineServer } from '../../pipeline/server.js';
import { loadTestProfiles } from './pipelineUnderTest.js';

/**
 * The pipeline as `b2b pipeline serve` runs it (same server code, in-process), on the wall clock,
 * an in-memory PGlite and an ephemeral port of 127.0.0.1: what a separate process such as
 * `b2b certify --sut URL` or `b2b sim webhook send` can be pointed at. (startPipelineUnderTest runs
 * on a FakeClock, whose signatures a real-clock sender would see as expired.)
 */
export interface LivePipeline {
  url: string;
  /** p_001's webhook secret, as the pipeline was given it. */
  secret: string;
  opsToken: string | undefined;
  close(): Promise<void>;
}

export async function startLivePipeline(
  options: { secret?: string; opsToken?: string; profiles?: Map<string, PartnerProfile> } = {},
): Promise<LivePipeline> {
  const profiles = options.profiles ?? (await loadTestProfiles());
  const secret = options.secret ?? generateWebhookSecret();
  const running = await startPipelineServer({
    host: '127.0.0.1',
    port: 0,
    store: {},
    profiles,
    secrets: resolvePartnerSecrets(profiles, { B2B_P_001_WEBHOOK_SECRET: secret }),
    logger: silentLogger(),
    opsToken: options.opsToken,
  });
  return {
    url: running.url,
    secret,
    opsToken: options.opsToken,
    async close() {
      running.server.closeAllConnections();
      await running.close();
    },
  };
}
