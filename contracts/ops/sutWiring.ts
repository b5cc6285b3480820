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
 * never by waiting.
 */
export function profileDurations(profile: PartnerProfile, scale: number): ProfileDuration[] {
  const durations: ProfileDuration[] = [];
  const add = (path: string, meaning: string, productionMs: number) =>
    durations.push({
      partner_id: profile.partner_id,
      path,
      meaning,
      production_ms: productionMs,
      certification_ms: certificationDuration(productionMs, scale),
    });
  for (const [name, policy] of Object.entries(profile.retry_policy))
    add(
      `/retry_policy/${name}/backoff_ms_cap`,
      `longest wait between two ${name} attempts`,
      policy.backoff_ms_cap,
    );
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
