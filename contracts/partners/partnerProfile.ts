import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type DataFileProblem } from '../../lib/errors.js';
import { lineInSource, loadDataFile } from '../dataFile.js';
import schema from './partnerProfile.schema.json' with { type: 'json' };

export type PartnerMode = 'api' | 'webhook' | 'sftp' | 'edi';
export type SignatureScheme = 'x-signature' | 'standard-webhooks';
export type FieldType = 'string' | 'integer' | 'datetime' | 'currency';

export interface FieldMappingRule {
  ours: string;
  partner: string;
  type: FieldType;
  required?: boolean;
  pii?: boolean;
  /** string: longest value accepted (default DEFAULT_MAX_LENGTH). */
  max_length?: number;
  /** integer bounds, inclusive. */
  minimum?: number;
  maximum?: number;
  /** datetime: refused when later than now + the profile's clock_skew_s. */
  not_after_now?: boolean;
  notes?: string;
}

export interface RetryPolicy {
  max_attempts: number;
  backoff_ms_cap: number;
  jitter: 'none' | 'full' | 'equal';
}

export interface WebhookSettings {
  endpoint?: string;
  secret_env: string;
  window_s: number;
  signature_schemes?: SignatureScheme[];
}

/** The partner as a client of our API: OAuth2 client-credentials clients and their limits. */
export interface ApiSettings {
  clients: { client_id: string; secret_env: string; scopes: string[] }[];
  token_ttl_s?: number;
  ip_allowlist?: string[];
  rate_limit?: { requests: number; per_s: number };
}

/** The partner's SFTP server, polled by our pipeline. */
export interface SftpSettings {
  url_env?: string;
  username: string;
  client_key_env: string;
  host_key_env: string;
  ip_allowlist?: string[];
  folders?: { inbox?: string; outbox?: string; archive?: string; error?: string };
  poll_every_s?: number;
  flows: { flow: string; file_pattern: string; manifest?: boolean; sidecar_sha256?: boolean }[];
  pgp?: { decryption_key_env: string; partner_keys_env: string[] };
}

export interface IsaParty {
  qualifier: string;
  id: string;
}

/** X12 through a VAN over AS2. */
export interface EdiSettings {
  as2_id: string;
  our_as2_id: string;
  isa: IsaParty;
  our_isa: IsaParty;
  gs_id: string;
  our_gs_id: string;
  certificate_env?: string;
  mdn?: 'sync' | 'async';
  accept_expired_certificate?: boolean;
}

/** The partner's own API, which our pipeline calls, and how the pipeline protects itself. */
export interface OutboundSettings {
  base_url_env: string;
  token_env?: string;
  timeout_ms?: number;
  deadline_ms?: number;
  breaker?: { consecutive_failures?: number; half_open_after_ms?: number };
  bulkhead?: { max_concurrent?: number; max_queued?: number };
}

export interface PartnerProfile {
  partner_id: string;
  name: string;
  modes: PartnerMode[];
  security: string[];
  contact: string;
  sla: {
    api?: { latency_p95_ms: number; latency_p99_ms?: number; uptime_pct?: number };
    file?: { daily_at_utc: string; window_minutes?: number };
    edi?: { ack_within_minutes: number; replay_days: number };
  };
  webhook?: WebhookSettings;
  api?: ApiSettings;
  sftp?: SftpSettings;
  edi?: EdiSettings;
  outbound?: OutboundSettings;
  retry_policy: Record<string, RetryPolicy>;
  /** How far ahead of our clock a partner's timestamps may be; DEFAULT_CLOCK_SKEW_S if absent. */
  clock_skew_s?: number;
  field_mapping?: Record<string, FieldMappingRule[]>;
}

/** A string field's longest value unless its rule says otherwise: fits any index entry. */
export const DEFAULT_MAX_LENGTH = 256;
export const DEFAULT_CLOCK_SKEW_S = 300;

export const partnerProfileSchema = schema;

export function acceptedSchemes(settings: WebhookSettings): SignatureScheme[] {
  return settings.signature_schemes ?? ['x-signature', 'standard-webhooks'];
}

/** Field names (ours and the partner's) flagged as personal data, for redaction. */
export function piiFields(profile: PartnerProfile): string[] {
  const fields: string[] = [];
  for (const rules of Object.values(profile.field_mapping ?? {})) {
    for (const rule of rules) if (rule.pii) fields.push(rule.ours, rule.partner);
  }
  return fields;
}

export async function loadPartnerProfile(file: string): Promise<PartnerProfile> {
  const profile = await loadDataFile<PartnerProfile>(file, schema);
  const problems = crossFieldProblems(file, profile);
  if (problems.length > 0) throw new ConfigError(await withLines(file, problems));
  return profile;
}

/** Places problems found after parsing (cross-field, cross-file) on their line in the file. */
async function withLines(file: string, problems: DataFileProblem[]): Promise<DataFileProblem[]> {
  const source = await readFile(file, 'utf8');
  return problems.map((problem) => ({
    ...problem,
    line: problem.line ?? lineInSource(source, problem.path),
  }));
}

/** Every `*.yaml` profile in a folder, keyed by partner id. All problems are reported together. */
export async function loadPartnerProfiles(directory: string): Promise<Map<string, PartnerProfile>> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch {
    throw new ConfigError([
      { file: directory, path: '', reason: 'partner profile folder cannot be read' },
    ]);
  }
  const profiles = new Map<string, PartnerProfile>();
  const problems: DataFileProblem[] = [];
  for (const name of names) {
    const file = join(directory, name);
    try {
      const profile = await loadPartnerProfile(file);
      if (profiles.has(profile.partner_id)) {
        const reason = `duplicates ${profile.partner_id} from another profile`;
        problems.push(...(await withLines(file, [{ file, path: '/partner_id', reason }])));
      }
      profiles.set(profile.partner_id, profile);
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (profiles.size === 0)
    throw new ConfigError([
      { file: directory, path: '', reason: 'holds no partner profile (*.yaml)' },
    ]);
  return profiles;
}

function crossFieldProblems(file: string, profile: PartnerProfile): DataFileProblem[] {
  const problems: DataFileProblem[] = [];
  if (!file.replace(/\\/g, '/').split('/').pop()?.startsWith(profile.partner_id)) {
    problems.push({
      file,
      path: '/partner_id',
      reason: `file name must start with the partner id ${profile.partner_id}`,
    });
  }
  for (const [entity, rules] of Object.entries(profile.field_mapping ?? {})) {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.ours)) {
        problems.push({
          file,
          path: `/field_mapping/${entity}/${index}/ours`,
          reason: `maps "${rule.ours}" twice`,
        });
      }
      seen.add(rule.ours);
      problems.push(...ruleOptionProblems(file, `/field_mapping/${entity}/${index}`, rule));
    });
  }
  return problems;
}

/** Options that only mean something for one field type, and bounds that contradict each other. */
function ruleOptionProblems(file: string, path: string, rule: FieldMappingRule): DataFileProblem[] {
  const problems: DataFileProblem[] = [];
  const onlyFor = (option: keyof FieldMappingRule, type: FieldType) => {
    if (rule[option] !== undefined && rule.type !== type)
      problems.push({ file, path: `${path}/${option}`, reason: `applies to ${type} fields only` });
  };
  onlyFor('max_length', 'string');
  onlyFor('minimum', 'integer');
  onlyFor('maximum', 'integer');
  onlyFor('not_after_now', 'datetime');
  if (rule.minimum !== undefined && rule.maximum !== undefined && rule.minimum > rule.maximum)
    problems.push({ file, path: `${path}/maximum`, reason: 'is below minimum' });
  return problems;
}
