import { DEFAULT_TOKEN_TTL_S } from '../../../contracts/ops/sutWiring.js';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import { ConfigError, type DataFileProblem } from '../../../lib/errors.js';
import { allowlistEntryProblem, callerAllowlist, type CallerAllowlist } from './callerAllowlist.js';
import { tokenLifetimeS } from './tokenLifetime.js';

/** A token lives this long when the profile does not say (seconds): the contract's default. */
export { DEFAULT_TOKEN_TTL_S };

/**
 * Shorter secrets are refused: they could be guessed, and the log redactor does not look for
 * secrets this short, so one could leak into a log line.
 */
export const MIN_CLIENT_SECRET_LENGTH = 16;

/** One OAuth2 client of the partner API, with its partner's policy resolved from the profile. */
export interface ApiClient {
  clientId: string;
  partnerId: string;
  /** The scopes its profile grants. */
  scopes: readonly string[];
  /** Its secret; undefined when the client is disabled (its variable holds no usable secret). */
  secret: string | undefined;
  tokenTtlS: number;
  /** Absent: the partner may call from anywhere. */
  allowlist?: CallerAllowlist;
  /** Absent: no limit. Each client of the partner has this budget. */
  rateLimit?: { requests: number; perS: number };
}

/** Every API client by client_id. */
export type ApiClients = ReadonlyMap<string, ApiClient>;

export interface DisabledApiClient {
  partnerId: string;
  clientId: string;
  variable: string;
  reason: string;
}

/**
 * Each API client's secret, read from the environment variable its profile names. Unlike a
 * webhook secret, a missing one does not stop the pipeline: the client is disabled (the token
 * endpoint refuses it as invalid_client) and `onDisabled` hears why, so a pipeline served for
 * webhooks alone still starts. What cannot work for anyone (a client_id used twice, an allowlist
 * entry that is not an address) stops it, with the profile and field named.
 */
export function resolveApiClients(
  profiles: Map<string, PartnerProfile>,
  env: Record<string, string | undefined>,
  onDisabled: (client: DisabledApiClient) => void = () => {},
): Map<string, ApiClient> {
  const clients = new Map<string, ApiClient>();
  const problems: DataFileProblem[] = [];
  for (const profile of profiles.values()) {
    const api = profile.api;
    if (!api) continue;
    const file = `partner ${profile.partner_id}`;
    const entryProblems = (api.ip_allowlist ?? []).flatMap((entry, index) => {
      const reason = allowlistEntryProblem(entry);
      return reason ? [{ file, path: `/api/ip_allowlist/${index}`, reason }] : [];
    });
    problems.push(...entryProblems);
    const allowlist =
      api.ip_allowlist && entryProblems.length === 0
        ? callerAllowlist(api.ip_allowlist)
        : undefined;
    // In a certification run, at the run's time scale (see tokenLifetime.ts).
    const lifetime = tokenLifetimeS(profile, env);
    if ('problem' in lifetime) problems.push(lifetime.problem);
    const tokenTtlS = 'ttlS' in lifetime ? lifetime.ttlS : DEFAULT_TOKEN_TTL_S;
    api.clients.forEach((client, index) => {
      if (clients.has(client.client_id)) {
        problems.push({
          file,
          path: `/api/clients/${index}/client_id`,
          reason: `"${client.client_id}" is already a client of ${clients.get(client.client_id)?.partnerId}`,
        });
        return;
      }
      const secret = env[client.secret_env] ?? '';
      const reason =
        secret === ''
          ? `environment variable ${client.secret_env} is not set`
          : secret.length < MIN_CLIENT_SECRET_LENGTH
            ? `${client.secret_env} holds fewer than ${MIN_CLIENT_SECRET_LENGTH} characters`
            : undefined;
      if (reason) {
        onDisabled({
          partnerId: profile.partner_id,
          clientId: client.client_id,
          variable: client.secret_env,
          reason,
        });
      }
      clients.set(client.client_id, {
        clientId: client.client_id,
        partnerId: profile.partner_id,
        scopes: [...client.scopes],
        secret: reason ? undefined : secret,
        tokenTtlS,
        ...(allowlist ? { allowlist } : {}),
        ...(api.rate_limit
          ? { rateLimit: { requests: api.rate_limit.requests, perS: api.rate_limit.per_s } }
          : {}),
      });
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return clients;
}

/** The secrets in use, for the log redactor. */
export function apiClientSecrets(clients: ApiClients | undefined): string[] {
  return [...(clients?.values() ?? [])].flatMap((client) => (client.secret ? [client.secret] : []));
}
