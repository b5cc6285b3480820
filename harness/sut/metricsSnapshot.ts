/**
 * Counter values read from Prometheus text exposition, keyed by the series as written:
 * `name{label="value",…}` with labels sorted. Enough to compare two scrapes; not a full parser
 * (histogram and summary series are read like any other sample).
 */
export type MetricsSnapshot = Map<string, number>;

export function parsePrometheusText(text: string): MetricsSnapshot {
  const samples: MetricsSnapshot = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, , labelText, value] = match;
    samples.set(seriesKey(name as string, parseLabels(labelText ?? '')), Number(value));
  }
  return samples;
}

export function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`);
  return parts.length > 0 ? `${name}{${parts.join(',')}}` : name;
}

/** The sum of all series of `name` whose labels include `labels`. */
export function sumMatching(
  snapshot: MetricsSnapshot,
  name: string,
  labels: Record<string, string>,
): number {
  let total = 0;
  for (const [key, value] of snapshot) {
    const brace = key.indexOf('{');
    const keyName = brace < 0 ? key : key.slice(0, brace);
    if (keyName !== name) continue;
    const keyLabels = brace < 0 ? {} : parseLabels(key.slice(brace + 1, -1));
    if (Object.entries(labels).every(([label, wanted]) => keyLabels[label] === wanted))
      total += value;
  }
  return total;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const match of text.matchAll(pattern)) {
    // One pass, so an escaped backslash before an `n` stays a backslash and an `n`.
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_, escaped: string) =>
      escaped === 'n' ? '\n' : escaped,
    );
  }
  return labels;
}
