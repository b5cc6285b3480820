import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPartnerProfiles } from '../../../contracts/partners/partnerProfile.js';
import {
  DEFAULT_CERTIFICATION_TIME,
  resolveCertificationTime,
  scaled,
  scaledDurations,
  timeScaleSetting,
} from '../../../harness/time/certificationTime.js';
import { ConfigError, UsageError } from '../../../lib/errors.js';
import { projectPath } from '../../../lib/projectPaths.js';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'b2b-certification-time-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('certification time', () => {
  it("scales every seed's minutes and hours down to seconds at the built-in scale", async () => {
    const profiles = await loadPartnerProfiles(projectPath('partners'));
    const durations = scaledDurations(DEFAULT_CERTIFICATION_TIME, profiles.values());
    expect(durations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          partner_id: 'p_001',
          path: '/retry_policy/webhook.delivery/backoff_ms_cap',
          production_ms: 300_000,
          certification_ms: 300,
        }),
        expect.objectContaining({
          partner_id: 'p_003',
          path: '/sla/edi/ack_within_minutes',
          production_ms: 900_000,
          certification_ms: 900,
        }),
        expect.objectContaining({
          partner_id: 'p_002',
          path: '/sla/file/window_minutes',
          production_ms: 3_600_000,
          certification_ms: 3_600,
        }),
      ]),
    );
    // No scenario waits more than a few seconds for any of them.
    expect(Math.max(...durations.map((duration) => duration.certification_ms))).toBeLessThanOrEqual(
      5_000,
    );
    // A webhook's replay window is a security bound, modelled by back-dating: never scaled.
    expect(durations.some((duration) => duration.path.includes('window_s'))).toBe(false);
  });

  it('never scales a duration to nothing', () => {
    expect(scaled({ scale: 0.000001, source: 'test' }, 300)).toBe(1);
  });

  it('takes the scale from --time-scale, then a certification profile, then the built-in one', async () => {
    const file = join(scratch, 'fast.yaml');
    await writeFile(file, 'name: fast\ntime:\n  scale: 0.01\n');
    expect(await resolveCertificationTime({})).toEqual(DEFAULT_CERTIFICATION_TIME);
    expect(await resolveCertificationTime({ profileFile: file })).toEqual({
      scale: 0.01,
      source: 'certification profile fast',
    });
    expect(await resolveCertificationTime({ profileFile: file, timeScale: 1 })).toEqual({
      scale: 1,
      source: '--time-scale',
    });
  });

  it('refuses a profile whose scale would slow time down, naming file, line and field', async () => {
    const file = join(scratch, 'slow.yaml');
    await writeFile(file, 'time:\n  scale: 10\n');
    const error = await resolveCertificationTime({ profileFile: file }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { file, path: '/time/scale', line: 2, reason: 'must be <= 1' },
    ]);
    await expect(resolveCertificationTime({ timeScale: 0 })).rejects.toThrow(UsageError);
  });

  it('hands the scale to the pipeline as a setting it reads', () => {
    expect(timeScaleSetting({ scale: 0.001, source: 'x' })).toMatchObject({
      variable: 'B2B_CERTIFICATION_TIME_SCALE',
      value: '0.001',
      sensitive: false,
    });
  });
});
