import { describe, expect, it } from 'vitest';
import {
  parsePrometheusText,
  seriesKey,
  sumMatching,
} from '../../../harness/sut/metricsSnapshot.js';

/** Prometheus text exposition as prom-client writes it, with the awkward parts in. */
const SCRAPE = String.raw`# HELP b2b_webhook_deliveries_total Webhook deliveries received.
# TYPE b2b_webhook_deliveries_total counter
b2b_webhook_deliveries_total{partner_id="p_001",outcome="processed",code=""} 7
b2b_webhook_deliveries_total{partner_id="p_001",outcome="refused",code="signature_invalid"} 2
b2b_webhook_deliveries_total{partner_id="p_001",outcome="refused",code="signature_expired"} 3
b2b_webhook_deliveries_total{partner_id="unknown",outcome="refused",code="partner_not_found"} 1
b2b_webhook_deliveries_total{outcome="replayed",partner_id="p_002",code=""} 4

# HELP b2b_webhook_ingest_seconds Time to a durable answer.
# TYPE b2b_webhook_ingest_seconds histogram
b2b_webhook_ingest_seconds_bucket{le="0.005",partner_id="p_001",outcome="processed"} 3
b2b_webhook_ingest_seconds_bucket{le="0.01",partner_id="p_001",outcome="processed"} 6
b2b_webhook_ingest_seconds_bucket{le="+Inf",partner_id="p_001",outcome="processed"} 7
b2b_webhook_ingest_seconds_sum{partner_id="p_001",outcome="processed"} 0.0421
b2b_webhook_ingest_seconds_count{partner_id="p_001",outcome="processed"} 7
b2b_alerts_total{partner_id="p_001",kind="webhook.signature_invalid",note="say \"hi\", then {go}"} 5
b2b_labels_total{path="C:\\new\\table",line="one\ntwo"} 9
b2b_process_start_time_seconds 1768478400
b2b_up 1 1768478400000
`;

describe('parsePrometheusText', () => {
  const snapshot = parsePrometheusText(SCRAPE);

  it('keys each sample by name and sorted labels, so two scrapes compare series by series', () => {
    expect(
      snapshot.get(
        seriesKey('b2b_webhook_deliveries_total', {
          partner_id: 'p_002',
          code: '',
          outcome: 'replayed',
        }),
      ),
    ).toBe(4);
    expect(snapshot.get('b2b_process_start_time_seconds')).toBe(1768478400);
  });

  it('reads the value, not the timestamp after it', () => {
    expect(snapshot.get('b2b_up')).toBe(1);
  });

  it('skips comments and blank lines', () => {
    expect([...snapshot.keys()].some((key) => key.startsWith('#') || key === '')).toBe(false);
    expect(snapshot.size).toBe(14);
  });
});

describe('sumMatching', () => {
  const snapshot = parsePrometheusText(SCRAPE);

  it('sums every series whose labels include the wanted ones', () => {
    expect(sumMatching(snapshot, 'b2b_webhook_deliveries_total', {})).toBe(17);
    expect(sumMatching(snapshot, 'b2b_webhook_deliveries_total', { partner_id: 'p_001' })).toBe(12);
    expect(
      sumMatching(snapshot, 'b2b_webhook_deliveries_total', {
        partner_id: 'p_001',
        outcome: 'refused',
      }),
    ).toBe(5);
    expect(
      sumMatching(snapshot, 'b2b_webhook_deliveries_total', { code: 'signature_invalid' }),
    ).toBe(2);
  });

  it('matches the empty label value exactly, and nothing for an unknown one', () => {
    expect(sumMatching(snapshot, 'b2b_webhook_deliveries_total', { code: '' })).toBe(11);
    expect(sumMatching(snapshot, 'b2b_webhook_deliveries_total', { partner_id: 'p_404' })).toBe(0);
    expect(sumMatching(snapshot, 'b2b_no_such_metric', {})).toBe(0);
  });

  it('reads histograms by their _bucket, _sum and _count series, never mixing the names', () => {
    const labels = { partner_id: 'p_001', outcome: 'processed' };
    expect(sumMatching(snapshot, 'b2b_webhook_ingest_seconds_count', labels)).toBe(7);
    expect(sumMatching(snapshot, 'b2b_webhook_ingest_seconds_sum', labels)).toBeCloseTo(0.0421);
    expect(sumMatching(snapshot, 'b2b_webhook_ingest_seconds_bucket', { le: '+Inf' })).toBe(7);
    expect(sumMatching(snapshot, 'b2b_webhook_ingest_seconds_bucket', { le: '0.01' })).toBe(6);
    expect(sumMatching(snapshot, 'b2b_webhook_ingest_seconds', labels)).toBe(0);
  });

  it('unescapes quotes, backslashes and newlines in label values', () => {
    expect(sumMatching(snapshot, 'b2b_alerts_total', { note: 'say "hi", then {go}' })).toBe(5);
    expect(sumMatching(snapshot, 'b2b_alerts_total', { kind: 'webhook.signature_invalid' })).toBe(
      5,
    );
    expect(sumMatching(snapshot, 'b2b_labels_total', { path: 'C:\\new\\table' })).toBe(9);
    expect(sumMatching(snapshot, 'b2b_labels_total', { line: 'one\ntwo' })).toBe(9);
  });
});
