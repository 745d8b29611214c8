/**
 * Reads Prometheus's text exposition format into samples, for tests that scrape a real `/metrics`:
 * `value(samples, "parley_replies_total", { status: "complete" })`.
 */

/** A scrape: every sample line as `name{label="value",...}` (labels sorted) → its value. */
export type Samples = Map<string, number>;

export function parseSamples(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, labels = "", value] = match;
    samples.set(key(name!, parseLabels(labels)), Number(value));
  }
  return samples;
}

/** The sample's value, 0 when absent (a counter never incremented is not exposed with those labels). */
export function value(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(key(name, labels)) ?? 0;
}

/** The metric names (families, without _bucket/_sum/_count) the scrape holds. */
export function metricNames(samples: Samples): Set<string> {
  return new Set([...samples.keys()].map((k) => k.replace(/\{.*$/, "")));
}

/** The label sets of every sample of `name`. */
export function labelSets(samples: Samples, name: string): Record<string, string>[] {
  return [...samples.keys()]
    .filter((k) => k === name || k.startsWith(`${name}{`))
    .map((k) => parseLabels(/\{(.*)\}$/.exec(k)?.[1] ?? ""));
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, raw] of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[name!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return labels;
}

function key(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(",")}}`;
}
