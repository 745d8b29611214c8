/**
 * Prints the functions with the most self time in a V8 CPU profile (`node --cpu-prof`), and the same
 * grouped by package, so a profile of the service under load can be read without a browser:
 *
 *   node bench/profile-top.mjs bench/profiles/CPU.<...>.cpuprofile [top=25] [fromSecond] [toSecond]
 *
 * Self time says where the CPU went; total (inclusive) time says which caller it went through. The
 * optional window (seconds from the profile's start) leaves out start-up or an earlier phase.
 */
import { readFileSync } from "node:fs";

const [path, topArg, fromArg, toArg] = process.argv.slice(2);
if (!path) {
  console.error("usage: node bench/profile-top.mjs <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(path, "utf8"));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const from = Number(fromArg ?? 0) * 1e6;
const to = toArg === undefined ? Infinity : Number(toArg) * 1e6;
const selfSamples = new Map();
let clock = 0;
let total = 0;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i];
  if (clock < from || clock > to) return;
  selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  total++;
});
const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length); // µs per sample

const where = (frame) => {
  const url = frame.url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/dist/")) return `parley:${url.split("/dist/")[1]}`;
  if (url.startsWith("node:")) return url;
  return url ? url.split("/").slice(-2).join("/") : "(native)";
};

const functions = new Map();
const packages = new Map();
for (const [id, count] of selfSamples) {
  const frame = byId.get(id).callFrame;
  const name = `${frame.functionName || "(anonymous)"}  ${where(frame)}:${frame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + count);
  const group = frame.url
    ? where(frame)
        .replace(/:.*/, "")
        .replace(/^parley:.*/, (m) => m.split("/").slice(0, 2).join("/"))
    : frame.functionName;
  packages.set(group, (packages.get(group) ?? 0) + count);
}

// Inclusive: every function on a sampled stack gets the sample once.
const inclusive = new Map();
for (const [id, count] of selfSamples) {
  const seen = new Set();
  for (let node = id; node !== undefined; node = parent.get(node)) {
    const frame = byId.get(node).callFrame;
    if (!frame.url) continue;
    const name = `${frame.functionName || "(anonymous)"}  ${where(frame)}:${frame.lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
}

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * count) / total).toFixed(1).padStart(5)}%  ${((count * interval) / 1000).toFixed(0).padStart(6)} ms  ${name}`,
    );
  }
};
console.log(`${path}: ${total} samples in the window, ${((total * interval) / 1e6).toFixed(1)} s`);
print("self time by function", functions);
print("self time by package / file", packages);
print("total (inclusive) time by function", inclusive);
