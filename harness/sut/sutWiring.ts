import type { PartnerServer, SutWiring, WiringSetting } from '../../contracts/ops/sutWiring.js';
import type { CertificationTime } from '../time/certificationTime.js';

/**
 * `sut-wiring.json`: what the system under test is configured with for this run, for the
 * evidence and for an operator wiring a remote pipeline. Secret values are left out: the bundled
 * pipeline gets them in its environment only, and a remote pipeline holds them already.
 */
export function sutWiring(
  runId: string,
  time: CertificationTime,
  settings: WiringSetting[],
  servers: PartnerServer[],
): SutWiring {
  return {
    run_id: runId,
    certification_time: { scale: time.scale, source: time.source },
    settings: settings.map(({ value, ...setting }) =>
      setting.sensitive || value === undefined ? setting : { ...setting, value },
    ),
    partner_servers: servers,
  };
}

/**
 * The wiring as an operator reads it before the run, one setting a line:
 *
 *   B2B_CERTIFICATION_TIME_SCALE=0.001   partner profile durations (…) × this
 *   B2B_P_001_WEBHOOK_SECRET=<secret: as you exported it>   the shared secret p_001 signs …
 */
export function describeWiring(wiring: SutWiring, file: string): string {
  const lines = wiring.settings.map((setting) => {
    const value =
      setting.value ??
      (setting.source === 'environment'
        ? '<secret: as in your environment>'
        : '<secret: not written>');
    return [`${setting.variable}=${value}`, setting.purpose];
  });
  for (const server of wiring.partner_servers)
    lines.push([
      `${server.partner_id} ${server.flow} server at ${server.address}`,
      server.pinned ? `pin ${server.pinned}` : '',
    ]);
  const width = Math.max(0, ...lines.map(([left]) => (left ?? '').length));
  return [
    `the system under test must be configured with (written to ${file}):`,
    ...lines.map(([left, right]) => `  ${(left ?? '').padEnd(width)}  ${right}`.trimEnd()),
    '',
  ].join('\n');
}
