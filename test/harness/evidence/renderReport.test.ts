import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../harness/evidence/renderReport.js';
import type { RunResult } from '../../../harness/model/runResult.js';

const SIGNER = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

const RUN: RunResult = {
  run_id: '20261123T144400Z-3f9a1c',
  seed: 42,
  started_at: '2026-11-23T14:44:00.000Z',
  finished_at: '2026-11-23T14:44:09.500Z',
  duration_ms: 9500,
  tool: { name: 'b2b', version: '0.1.0', node: 'v24.21.0' },
  sut: { mode: 'bundled', url: 'http://127.0.0.1:8080' },
  signer: { fingerprint: SIGNER },
  certification_time: {
    scale: 0.001,
    source: 'built-in certification profile',
    durations: [
      {
        partner_id: 'p_003',
        path: '/sla/edi/ack_within_minutes',
        meaning: 'a 997 is late after this long',
        production_ms: 900_000,
        certification_ms: 900,
      },
    ],
  },
  summary: { scenarios: 0, passed: 0, failed: 0, errors: 0 },
  partners: [],
  scenarios: [],
};

describe('renderReport', () => {
  it('names the evidence signer in the header, with the verify command that pins it', async () => {
    const html = await renderReport(RUN);
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header).toContain(`evidence signed by <code class="signer">${SIGNER}</code>`);
    expect(header).toContain(
      `<code>npx b2b evidence verify &lt;this folder&gt; --fingerprint ${SIGNER}</code>`,
    );
  });

  it('states the time scale the run ran at, and each profile duration at that scale', async () => {
    const html = await renderReport(RUN);
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header).toContain('certification time: ×0.001 (built-in certification profile)');
    const section = html.slice(html.indexOf('id="certification-time"'));
    expect(section).toContain('<td>p_003</td><td><code>/sla/edi/ack_within_minutes</code></td>');
    expect(section).toContain('<td>900000 ms</td><td>900 ms</td>');
  });
});
