import { Command, Option } from 'commander';
import { loadPartnerProfiles } from '../../contracts/partners/partnerProfile.js';
import { createLogger } from '../../lib/logger.js';
import { projectPath } from '../../lib/projectPaths.js';
import { resolveApiClients } from '../../pipeline/api/auth/index.js';
import { resolvePartnerSecrets } from '../../pipeline/partnerSecrets.js';
import { startPipelineServer } from '../../pipeline/server.js';
import {
  isClusterWorker,
  superviseWorkers,
  workerStartStep,
} from '../../pipeline/workerCluster.js';
import { UsageError } from '../../lib/errors.js';
import { parseMaxBodyBytes, parsePort, parseWorkers } from '../options.js';

/** `b2b pipeline serve`: runs the bundled integration pipeline (the system under test). */
export function pipelineCommand(): Command {
  const pipeline = new Command('pipeline').description(
    'the bundled integration pipeline (the system under test)',
  );
  pipeline
    .command('serve')
    .description(
      'serve the partner-facing webhook inbox, the ops API, /metrics, /healthz and /readyz.\n' +
        'Uses PostgreSQL when DATABASE_URL is set, an embedded PGlite database otherwise.\n' +
        'Webhook secrets come from the variables the partner profiles name (e.g. B2B_P_001_WEBHOOK_SECRET);\n' +
        'so do partner API client secrets (e.g. B2B_P_001_API_CLIENT_SECRET): a client without one is disabled.',
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on, 0–65535 (0 picks a free one)', parsePort, 8080)
    .option('--partners <dir>', 'folder of partner profiles', projectPath('partners'))
    .option(
      '--data-dir <dir>',
      'PGlite data folder (ignored with DATABASE_URL)',
      '.b2b/data/pipeline',
    )
    .addOption(
      new Option('--database-schema <name>', 'PostgreSQL schema to use').env('DATABASE_SCHEMA'),
    )
    .option(
      '--workers <n>',
      'pipeline processes sharing the port, 1–64 (PostgreSQL only: PGlite lives in one process)',
      parseWorkers,
      1,
    )
    .option(
      '--max-body-bytes <n>',
      'largest webhook body accepted, 1 to 67108864 (64 MiB)',
      parseMaxBodyBytes,
      1024 * 1024,
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n  DATABASE_URL     postgres://… to use PostgreSQL\n  DATABASE_SCHEMA  PostgreSQL schema for the tables\n  B2B_OPS_TOKEN    bearer token required on /ops when set\n  LOG_LEVEL        pino level (default info)',
    )
    .action(
      async (options: {
        host: string;
        port: number;
        partners: string;
        dataDir: string;
        databaseSchema?: string;
        maxBodyBytes: number;
        workers: number;
      }) => {
        const logger = createLogger({ name: 'b2b-pipeline' });
        const profiles = await workerStartStep(loadPartnerProfiles(options.partners));
        const secrets = resolvePartnerSecrets(profiles, process.env);
        // A partner API client without its secret is disabled, not fatal: webhooks still flow.
        const apiClients = resolveApiClients(profiles, process.env, (client) =>
          logger.warn(
            { partner_id: client.partnerId, client_id: client.clientId },
            `partner API client ${client.clientId} disabled: ${client.reason}`,
          ),
        );
        if (options.workers > 1 && !process.env.DATABASE_URL) {
          throw new UsageError(
            '--workers above 1 needs DATABASE_URL: the embedded PGlite database lives in one process',
          );
        }
        if (options.workers > 1 && !isClusterWorker()) {
          await superviseWorkers(options.workers, logger, {
            host: options.host,
            port: options.port,
          });
          return;
        }
        const running = await workerStartStep(
          startPipelineServer({
            host: options.host,
            port: options.port,
            store: {
              databaseUrl: process.env.DATABASE_URL,
              dataDir: options.dataDir,
              schema: options.databaseSchema,
            },
            profiles,
            secrets,
            logger,
            opsToken: process.env.B2B_OPS_TOKEN || undefined,
            maxBodyBytes: options.maxBodyBytes,
            apiClients,
          }),
        );
        logger.info(
          { url: running.url, engine: running.store.engine, partners: [...profiles.keys()] },
          isClusterWorker() ? 'pipeline worker listening' : 'pipeline listening',
        );
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            logger.info({ signal }, 'pipeline stopping');
            running.close().then(resolve, (error: unknown) => {
              logger.error({ err: error }, 'pipeline did not stop cleanly');
              resolve();
            });
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        // A cluster worker's channel to its supervisor would keep it alive after a clean stop.
        if (isClusterWorker()) process.disconnect?.();
      },
    );
  return pipeline;
}
