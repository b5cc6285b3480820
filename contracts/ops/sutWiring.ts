import type { PartnerProfile } from '../partners/partnerProfile.js';

/**
 * What a pipeline must be configured with for a certification run, agreed by both sides: the
 * harness writes it (and hands it to the bundled pipeline in its environment), a pipeline reads
 * it. Every setting is an environment variable, because that is how the partner profiles already
 * name secrets and addresses (`secret_env`, `url_env`, `host_key_env`, …).
 *
 * Certification time: durations the profiles give in minutes or hours (retry backoff caps, the
 * 997 deadline, a file's delivery window) are multiplied by the run's time scale, so a suite waits
 * seconds, not hours. Both sides scale with `certificationDuration`, so they agree to the
 * millisecond on what "late" means.
 */

/** The variable holding the time scale (a factor in (0, 1]; 1, or unset, is production time). */
export const CERTIFICATION_TIME_SCALE_ENV = 'B2B_CERTIFICATION_TIME_SCALE';

/** A scaled duration is never below this: zero would mean "at once", a different behaviour. */
export const MIN_CERTIFICATION_DURATION_MS = 1;

/** A production duration at the run's time scale. */
export function certificationDuration(productionMs: number, scale: number): number {
  return Math.max(MIN_CERTIFICATION_DURATION_MS, Math.round(productionMs * scale));
}

/** An access token's lifetime when the profile's `api` block does not say (its schema's default). */
export const DEFAULT_TOKEN_TTL_S = 300;

/**
 * The shortest token lifetime certification time makes. JWT times are whole seconds and a token
 * issued late in a second loses the rest of it, so 2 s is more than 1 s of use: enough for a
 * client that renews at half-life, where 1 s could leave it a token that expires in flight.
 */
export const MIN_CERTIFICATION_TOKEN_TTL_S = 2;

/** An access token's lifetime at the run's scale: whole seconds, at least 2, never longer. */
export function certificationTokenTtlS(productionS: number, scale: number): number {
  return Math.min(
    productionS,
    Math.max(MIN_CERTIFICATION_TOKEN_TTL_S, Math.round(productionS * scale)),
  );
}

/** One duration of a partner profile that certification time scales. */
export interface ProfileDuration {
  partner_id: string;
  /** Where in the profile, as a JSON pointer: `/retry_policy/webhook.delivery/backoff_ms_cap`. */
  path: string;
  /** What it bounds, in the playbook's words. */
  meaning: string;
  production_ms: number;
  certification_ms: number;
}

/**
 * Every duration of a profile that certification time scales, and its value at `scale`. What is
 * not here is never scaled: a webhook's replay window (`window_s`) is a security bound the
 * partner's signatures are checked against, and a late signature is modelled by back-dating it,
 * never by waiting. An access token's lifetime is scaled, in whole seconds: the pipeline signs its
 * expiry, so a partner cannot back-date it, and a token kept past its expiry is only proved by
 * really keeping it that long (the pipeline reads the scale and issues shorter-lived tokens).
 */
export function profileDurations(profile: PartnerProfile, scale: number): ProfileDuration[] {
  const durations: ProfileDuration[] = [];
  const add = (
    path: string,
    meaning: string,
    productionMs: number,
    certificationMs = certificationDuration(productionMs, scale),
  ) =>
    durations.push({
      partner_id: profile.partner_id,
      path,
      meaning,
      production_ms: productionMs,
      certification_ms: certificationMs,
    });
  for (const [name, policy] of Object.entries(profile.retry_policy))
    add(
      `/retry_policy/${name}/backoff_ms_cap`,
      `longest wait between two ${name} attempts`,
      policy.backoff_ms_cap,
    );
  if (profile.api) {
    const ttlS = profile.api.token_ttl_s ?? DEFAULT_TOKEN_TTL_S;
    add(
      '/api/token_ttl_s',
      'an access token expires this long after it is issued',
      ttlS * 1000,
      certificationTokenTtlS(ttlS, scale) * 1000,
    );
  }
  if (profile.sla.edi)
    add(
      '/sla/edi/ack_within_minutes',
      'a 997 is late after this long',
      profile.sla.edi.ack_within_minutes * 60_000,
    );
  if (profile.sla.file?.window_minutes !== undefined)
    add(
      '/sla/file/window_minutes',
      `a file is late this long after ${profile.sla.file.daily_at_utc} UTC`,
      profile.sla.file.window_minutes * 60_000,
    );
  return durations;
}

/** One setting handed to the system under test. */
export interface WiringSetting {
  /** The environment variable the pipeline reads it from. */
  variable: string;
  /** What it is for, in one phrase. */
  purpose: string;
  partner_id?: string;
  flow?: string;
  /**
   * A secret or private key: handed to a bundled pipeline in its environment only, never written
   * to a file; `value` is absent wherever a setting is written down.
   */
  sensitive: boolean;
  value?: string;
  /** Where the value comes from: generated for the run, read from the environment, … */
  source: 'generated' | 'environment' | 'partner server' | 'certification profile';
}

/** A server of the partner's side that the pipeline calls during the run. */
export interface PartnerServer {
  partner_id: string;
  flow: string;
  /** e.g. `sftp://127.0.0.1:2222`, `http://127.0.0.1:9100`. */
  address: string;
  /** What the pipeline pins (a host key, a certificate), by fingerprint. */
  pinned?: string;
}

/** `sut-wiring.json`: everything the system under test must be configured with for a run. */
export interface SutWiring {
  run_id: string;
  certification_time: { scale: number; source: string };
  settings: WiringSetting[];
  partner_servers: PartnerServer[];
}
