import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { loadDataFile } from '../../contracts/dataFile.js';
import {
  CERTIFICATION_TIME_SCALE_ENV,
  certificationDuration,
  profileDurations,
  type ProfileDuration,
  type WiringSetting,
} from '../../contracts/ops/sutWiring.js';
import schema from '../../contracts/scenarios/certificationProfile.schema.json' with { type: 'json' };
import { UsageError } from '../../lib/errors.js';

/**
 * The clock a certification runs on. Production durations from the partner profiles (8 webhook
 * attempts capped at 300 000 ms, a 997 within 15 minutes, a file window of an hour) are scaled by
 * one factor so no scenario waits more than a few seconds, and the evidence says at what scale it
 * ran. Where a protocol allows it, time is modelled without waiting at all: a delivery "signed ten
 * minutes ago" is back-dated, not delayed, and is never scaled.
 */
export interface CertificationTime {
  /** Production durations are multiplied by this: (0, 1]. */
  scale: number;
  /** Where the scale came from: the built-in profile, a profile file, or --time-scale. */
  source: string;
}

/** What a certification profile file holds (contracts/scenarios/certificationProfile.schema.json). */
export interface CertificationProfile {
  name?: string;
  time: { scale: number };
}

/**
 * The built-in profile: a thousandth of production time. The seeds' longest duration (a file's
 * 60-minute window) becomes 3.6 s, a 997's 15 minutes 0.9 s, a 300 000 ms backoff cap 300 ms.
 */
export const DEFAULT_CERTIFICATION_TIME: CertificationTime = {
  scale: 0.001,
  source: 'built-in certification profile',
};

/** The run's time: `--time-scale` wins over a profile file, which wins over the built-in one. */
export async function resolveCertificationTime(options: {
  profileFile?: string;
  timeScale?: number;
}): Promise<CertificationTime> {
  if (options.timeScale !== undefined) {
    if (!(options.timeScale > 0 && options.timeScale <= 1))
      throw new UsageError(`--time-scale ${options.timeScale}: must be above 0 and at most 1`);
    return { scale: options.timeScale, source: '--time-scale' };
  }
  if (options.profileFile) {
    const profile = await loadDataFile<CertificationProfile>(options.profileFile, schema);
    return {
      scale: profile.time.scale,
      source: `certification profile ${profile.name ?? options.profileFile}`,
    };
  }
  return DEFAULT_CERTIFICATION_TIME;
}

/** A production duration at the run's scale. */
export function scaled(time: CertificationTime, productionMs: number): number {
  return certificationDuration(productionMs, time.scale);
}

/** Every scaled duration of the partners in the run, for result.json and the report. */
export function scaledDurations(
  time: CertificationTime,
  partners: Iterable<PartnerProfile>,
): ProfileDuration[] {
  return [...partners].flatMap((profile) => profileDurations(profile, time.scale));
}

/** The setting that tells the pipeline the scale: it applies it to the same profile durations. */
export function timeScaleSetting(time: CertificationTime): WiringSetting {
  return {
    variable: CERTIFICATION_TIME_SCALE_ENV,
    purpose: 'partner profile durations (retry backoff caps, 997 deadline, file window) × this',
    sensitive: false,
    value: String(time.scale),
    source: 'certification profile',
  };
}
