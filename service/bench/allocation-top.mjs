/**
 * Reads an allocation profile from allocation-sampler.mjs: bytes allocated per turn by package (the
 * innermost frame outside Node's own code), by allocating function, and — for Drizzle — by the query
 * builder that allocated them and our code that ran it.
 *
 *   node bench/allocation-top.mjs <profile.json> [turns in the window] [top=20]
 */
import { readFileSync } from "node:fs";

const [path, turnsArg, topArg] = process.argv.slice(2);
if (!path) {
  console.error("usage: node bench/allocation-top.mjs <profile.json> [turns] [top]");
  process.exit(2);
}
const turns = Number(turnsArg ?? 1);
const top = Number(topArg ?? 20);
const profile = JSON.parse(readFileSync(path, "utf8"));

const where = (frame) => {
  const url = frame.url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/dist/")) return `parley:${url.split("/dist/")[1]}`;
  return url || `(${frame.functionName || "native"})`;
};
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);
const byPackage = new Map();
const byFunction = new Map();
const byDrizzleBuilder = new Map();
let total = 0;

const visit = (node, stack) => {
  const frames = [...stack, node.callFrame];
  const bytes = node.selfSize;
  if (bytes) {
    total += bytes;
    const named = frames.map(where);
    const innermost =
      named.findLast((name) => !name.startsWith("node:") && !name.startsWith("(")) ?? named.at(-1);
    add(
      byPackage,
      innermost.startsWith("parley:") ? innermost.split("/").slice(0, 2).join("/") : innermost,
      bytes,
    );
    const frame = node.callFrame;
    add(byFunction, `${frame.functionName || "(anonymous)"}  ${where(frame)}:${frame.lineNumber + 1}`, bytes);
    const drizzle = frames.findIndex((f) => f.url.includes("node_modules/drizzle-orm"));
    if (drizzle >= 0) {
      const caller = frames.slice(0, drizzle).findLast((f) => f.url.includes("/dist/"));
      const builder = frames
        .slice(drizzle)
        .find((f) => /query-builders|mysql2\/session|mysql-core\/(session|db)/.test(f.url));
      const name = (f) => `${f.functionName || "(anonymous)"} ${f.url.split(/\/dist\/|drizzle-orm\//)[1]}`;
      add(
        byDrizzleBuilder,
        `${builder ? name(builder) : "(sql)"}  ← ${caller ? name(caller) : "(a promise job)"}`,
        bytes,
      );
    }
  }
  for (const child of node.children) visit(child, frames);
};
visit(profile.head, []);

const perTurn = (bytes) => `${(bytes / 1024 / turns).toFixed(1).padStart(8)} KB`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${perTurn(bytes)}  ${key}`);
};
console.log(`${perTurn(total)} allocated per turn (${turns} turns in the window)`);
print("by package (innermost frame outside Node)", byPackage);
print("by allocating function", byFunction);
print("Drizzle's, by builder and caller", byDrizzleBuilder);
