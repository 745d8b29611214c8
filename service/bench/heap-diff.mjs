/**
 * What one open stream leaves on the heap, by constructor: compares two V8 heap snapshots of the same
 * process (before and after opening `streams` streams, as `run.mjs --rows=4 --heap-snapshots` writes
 * them) and prints the groups whose count or self size grew the most, per stream.
 *
 *   node bench/heap-diff.mjs <before.heapsnapshot> <after.heapsnapshot> [streams=1000] [top=40]
 *
 * Groups follow DevTools' summary: objects by constructor, closures by function name, arrays by what
 * they hold, every string kind together. Self sizes only (what the objects themselves take); a snapshot
 * holds only what survived the GC it starts with.
 */
import { readFileSync } from "node:fs";

function groups(path) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, "utf8"));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const byGroup = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const key = groupOf(type, strings[nodes[i + nameAt]]);
    const entry = byGroup.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[i + sizeAt];
    byGroup.set(key, entry);
  }
  return byGroup;
}

function groupOf(type, name) {
  switch (type) {
    case "object":
    case "native":
      return name;
    case "closure":
      return `(closure) ${name || "anonymous"}`;
    case "array":
      return `(array) ${name}`;
    case "string":
    case "concatenated string":
    case "sliced string":
      return "(string)";
    case "hidden":
    case "object shape":
      return `(system) ${name.replace(/\d+/g, "#").slice(0, 40)}`;
    default:
      return `(${type})`;
  }
}

const [beforePath, afterPath, streamsArg = "1000", topArg = "40"] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error("usage: node bench/heap-diff.mjs <before> <after> [streams] [top]");
  process.exit(2);
}
const streams = Number(streamsArg);
const before = groups(beforePath);
const after = groups(afterPath);
const rows = [];
let totalSize = 0;
let totalCount = 0;
for (const [key, entry] of after) {
  const was = before.get(key) ?? { count: 0, size: 0 };
  const row = { key, count: (entry.count - was.count) / streams, size: (entry.size - was.size) / streams };
  totalSize += row.size;
  totalCount += row.count;
  rows.push(row);
}
for (const [key, was] of before) {
  if (!after.has(key)) {
    rows.push({ key, count: -was.count / streams, size: -was.size / streams });
    totalSize -= was.size / streams;
    totalCount -= was.count / streams;
  }
}
rows.sort((a, b) => b.size - a.size);
console.log(`per stream: ${totalCount.toFixed(1)} objects, ${(totalSize / 1024).toFixed(2)} KB self size`);
console.log("| group | objects/stream | bytes/stream |");
console.log("|---|---|---|");
for (const row of rows.slice(0, Number(topArg))) {
  console.log(`| ${row.key.replaceAll("|", "\\|")} | ${row.count.toFixed(2)} | ${row.size.toFixed(0)} |`);
}
