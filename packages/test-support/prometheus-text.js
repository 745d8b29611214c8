// Reads Prometheus's text exposition format into samples, for tests that scrape a real `/metrics`:
// value(samples, "parley_replies_total", { status: "complete" }).

/** Every sample line as `name{label="value",...}` (labels sorted) → its value. */
export function parseSamples(text) {
  const samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, labels = "", value] = match;
    samples.set(sampleKey(name, parseLabels(labels)), Number(value));
  }
  return samples;
}

/** The sample's value, 0 when absent (a counter never incremented is not exposed with those labels). */
export function value(samples, name, labels = {}) {
  return samples.get(sampleKey(name, labels)) ?? 0;
}

/** The metric names the scrape holds (histograms as their _bucket/_sum/_count series). */
export function metricNames(samples) {
  return new Set([...samples.keys()].map((key) => key.replace(/\{.*$/, "")));
}

/** The label sets of every sample of `name`. */
export function labelSets(samples, name) {
  return [...samples.keys()]
    .filter((key) => key === name || key.startsWith(`${name}{`))
    .map((key) => parseLabels(/\{(.*)\}$/.exec(key)?.[1] ?? ""));
}

function parseLabels(text) {
  const labels = {};
  for (const [, name, raw] of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[name] = raw.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  return labels;
}

/** The key of a sample: its name and its labels, sorted. */
export function sampleKey(name, labels) {
  const parts = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(",")}}`;
}

/**
 * Every series name a scrape's text declares (from its `# TYPE` lines), samples or not: a histogram as
 * its `_bucket`, `_sum` and `_count`, a summary as itself, `_sum` and `_count`, anything else as itself.
 */
export function declaredSeriesNames(text) {
  const names = new Set();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    if (type === "summary") for (const suffix of ["_sum", "_count"]) names.add(name + suffix);
  }
  return names;
}
