import {
  CERTIFICATION_TIME_SCALE_ENV,
  DEFAULT_TOKEN_TTL_S,
  profileDurations,
} from '../../../contracts/ops/sutWiring.js';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import type { DataFileProblem } from '../../../lib/errors.js';

const TOKEN_TTL_PATH = '/api/token_ttl_s';

/**
 * How long the access tokens of a partner's clients live: the profile's `token_ttl_s`, or, in a
 * certification run (B2B_CERTIFICATION_TIME_SCALE set), that lifetime at the run's scale, by the
 * rule both sides share (contracts/ops/sutWiring.ts). A partner cannot back-date a token we sign,
 * so this is how a certification proves that a token kept past its expiry is refused without
 * waiting five minutes: the token really expires, sooner.
 */
export function tokenLifetimeS(
  profile: PartnerProfile,
  env: Record<string, string | undefined>,
): { ttlS: number } | { problem: DataFileProblem } {
  const production = profile.api?.token_ttl_s ?? DEFAULT_TOKEN_TTL_S;
  const text = env[CERTIFICATION_TIME_SCALE_ENV];
  if (text === undefined || text.trim() === '') return { ttlS: production };
  const scale = Number(text);
  if (!(scale > 0 && scale <= 1))
    return {
      problem: {
        file: 'environment',
        path: CERTIFICATION_TIME_SCALE_ENV,
        reason: `must be a number above 0 and at most 1 (got ${JSON.stringify(text.slice(0, 32))})`,
      },
    };
  const scaled = profileDurations(profile, scale).find(
    (duration) => duration.path === TOKEN_TTL_PATH,
  );
  return { ttlS: scaled ? scaled.certification_ms / 1000 : production };
}
