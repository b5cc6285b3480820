import { Command, InvalidArgumentError, Option } from 'commander';
import { loadPartnerProfiles, piiFields } from '../../contracts/partners/partnerProfile.js';
import { describeSchemaErrors } from '../../contracts/schemaValidator.js';
import { parseSecretList } from '../../contracts/signatures/webhookSecret.js';
import { webhookFaultValidator } from '../../harness/flows/webhook/faults/index.js';
import { isoUtc, systemClock } from '../../lib/clock.js';
import { ConfigError, UsageError } from '../../lib/errors.js';
import { projectPath } from '../../lib/projectPaths.js';
import { randomSeed, seededRandom } from '../../lib/seededRandom.js';
import { Redactor } from '../../lib/redact.js';
import { Journal } from '../../simulators/journal.js';
import type { FaultSpec } from '../../simulators/webhook/faults/index.js';
import { WebhookSender } from '../../simulators/webhook/webhookSender.js';
import { EXIT } from '../exitCodes.js';
import { parseHttpStatus, parseMinorUnits, parseSeed } from '../options.js';

/** `b2b sim webhook send`: be the partner, by hand: sign and send one event, with faults. */
export function simCommand(): Command {
  const sim = new Command('sim').description('the fake partners, driven by hand');
  const webhook = sim.command('webhook').description('the webhook-sending partner');
  webhook
    .command('send')
    .description(
      'Sign and send one order event to a webhook inbox, as the partner would, through optional faults.\n' +
        'Prints one line per HTTP exchange (or the journal entries with --json).\n' +
        'Exit code: 0 every request was answered (and with --expect-status, as expected), 1 otherwise.',
    )
    .requiredOption('--target <url>', 'the inbox URL, e.g. http://127.0.0.1:8080/webhooks/p_001')
    .option('--partner <id>', 'the partner to act as', 'p_001')
    .option('--type <type>', 'order.created | order.updated | order.cancelled', 'order.created')
    .option('--event-id <id>', 'event id (default: a fresh one)')
    .option('--order <number>', 'OrderNumber (default: a fresh one)')
    .option(
      '--total <minor units>',
      'TotalGross in minor units (an integer)',
      parseMinorUnits,
      12_999,
    )
    .option('--currency <code>', 'CurrencyCode', 'EUR')
    .option(
      '--fault <spec>',
      'a fault, name[:param=value,…], e.g. duplicate, burst:count=5, replay:after_s=700; repeatable',
      collectFaults,
    )
    .addOption(
      new Option('--scheme <scheme>', 'signature scheme')
        .choices(['x-signature', 'standard-webhooks'])
        .default('x-signature'),
    )
    .option(
      '--secret-env <name>',
      "environment variable holding the secret (default: the profile's)",
    )
    .option('--seed <n>', 'seed for seeded faults (shuffle)', parseSeed)
    .option(
      '--expect-status <code>',
      'exit 1 unless every answer has this status (100–599)',
      parseHttpStatus,
    )
    .option('--json', 'print journal entries as JSON lines')
    .option('--partners <dir>', 'folder of partner profiles', projectPath('partners'))
    .addHelpText(
      'after',
      '\nExample:\n  B2B_P_001_WEBHOOK_SECRET=whsec_… npx b2b sim webhook send --target http://127.0.0.1:8080/webhooks/p_001 --fault duplicate',
    )
    .action(async (options: SendOptions) => {
      const profiles = await loadPartnerProfiles(options.partners);
      const profile = profiles.get(options.partner);
      if (!profile?.webhook)
        throw new UsageError(`--partner ${options.partner}: not a partner that sends webhooks`);
      const variable = options.secretEnv ?? profile.webhook.secret_env;
      const [secret] = parseSecretList(process.env[variable] ?? '');
      if (!secret)
        throw new ConfigError(`set ${variable} to the partner's webhook secret (whsec_…)`);
      const now = systemClock.now();
      const stamp = isoUtc(now);
      const suffix = `${now.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
      const sender = new WebhookSender({
        runId: 'manual',
        partnerId: profile.partner_id,
        target: options.target,
        secret,
        windowS: profile.webhook.window_s,
        clock: systemClock,
        random: seededRandom(options.seed ?? randomSeed()),
        // What --json prints passes the same redaction as evidence: the secret and PII fields.
        journal: new Journal({
          capacity: 10_000,
          redactor: new Redactor({ piiFields: piiFields(profile), secrets: [secret] }),
        }),
      });
      try {
        const records = await sender.send({
          events: [
            {
              eventId: options.eventId ?? `evt-manual-${suffix}`,
              type: options.type,
              occurredAt: stamp,
              order: {
                OrderNumber: options.order ?? `ORD-manual-${suffix}`,
                TotalGross: options.total,
                CurrencyCode: options.currency,
                LastModified: stamp,
              },
            },
          ],
          faults: options.fault ?? [],
          scheme: options.scheme,
          correlationPrefix: `manual-${suffix}`,
        });
        for (const record of records) {
          if (options.json) process.stdout.write(`${JSON.stringify(record.entry)}\n`);
          else {
            const body = record.body as { status?: string; error?: { code?: string } } | undefined;
            const answer =
              record.status === 0
                ? `no answer: ${record.entry.error}`
                : `${record.status} ${body?.status ?? body?.error?.code ?? ''}`;
            process.stdout.write(
              `${answer.padEnd(28)} ${record.eventId}  ${record.faults.join('+') || '-'}  ${record.correlationId}\n`,
            );
          }
        }
        const unanswered = records.some((record) => record.status === 0);
        const unexpected =
          options.expectStatus !== undefined &&
          records.some((record) => record.status !== options.expectStatus);
        process.exitCode = unanswered || unexpected ? EXIT.failed : EXIT.ok;
      } finally {
        await sender.close();
      }
    });
  return sim;
}

interface SendOptions {
  target: string;
  partner: string;
  type: string;
  eventId?: string;
  order?: string;
  total: number;
  currency: string;
  fault?: FaultSpec[];
  scheme: 'x-signature' | 'standard-webhooks';
  secretEnv?: string;
  seed?: number;
  expectStatus?: number;
  json?: boolean;
  partners: string;
}

/** `burst:count=5` → `{ name: 'burst', count: 5 }`, checked like a fault in a scenario file. */
function collectFaults(value: string, previous: FaultSpec[] = []): FaultSpec[] {
  const [name, paramText] = value.split(':', 2);
  const fault: FaultSpec = { name: name ?? '' };
  for (const pair of (paramText ?? '').split(',').filter(Boolean)) {
    const [key, raw] = pair.split('=', 2);
    if (!key || raw === undefined) throw new InvalidArgumentError(`"${pair}" is not param=value`);
    fault[key] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  const validateFault = webhookFaultValidator();
  if (!validateFault(fault)) {
    throw new InvalidArgumentError(
      describeSchemaErrors(validateFault.errors)
        .map((problem) => `${problem.path || '/'} ${problem.reason}`)
        .join('; '),
    );
  }
  return [...previous, fault];
}
