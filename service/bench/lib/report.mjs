/**
 * The results as a table: printed, and written into docs/benchmarks.md between two markers so the
 * hand-written notes around them (profile findings, what changed) survive every run.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fmt, signed } from "./stats.mjs";

const start = "<!-- bench:results:start -->";
const end = "<!-- bench:results:end -->";
/** Rows 11–14 have a section of their own, so they can be run and written without rows 1–10. */
export const replicaMarkers = { start: "<!-- bench:replicas:start -->", end: "<!-- bench:replicas:end -->" };
export const limitsMarkers = { start: "<!-- bench:limits:start -->", end: "<!-- bench:limits:end -->" };

const verdict = (ok) => (ok === null ? "–" : ok ? "yes" : "**no**");

/** The table's rows from the scenario results (any of which may be missing when a row was skipped). */
export function tableRows(r, goals) {
  const rows = [];
  const t = r.ttft;
  rows.push([
    "1",
    "added time to first token, concurrency 1, stored 50-message chat, real MariaDB",
    "`openai` SDK → simulator, same prompt",
    t ? `p50 ${fmt(t.baselineP50, 2)} ms, p99 ${fmt(t.baselineP99, 2)} ms` : "–",
    t ? `p50 ${fmt(t.serviceP50, 2)} ms, p99 ${fmt(t.serviceP99, 2)} ms` : "–",
    t
      ? `p50 ${signed(t.addedP50, 2)} ms, p99 ${signed(t.addedP99, 2)} ms` +
        (Number.isFinite(t.referenceAddedP50)
          ? ` (minimal Connect forwarder: p50 ${signed(t.referenceAddedP50, 2)} ms)`
          : "")
      : "not run",
    `p50 ≤ +${goals.addedP50} ms, p99 ≤ +${goals.addedP99} ms`,
    verdict(t ? t.addedP50 <= goals.addedP50 && t.addedP99 <= goals.addedP99 : null),
  ]);
  const i = r.instant;
  const p = r.paced?.steps.find((step) => step.streams === goals.pacedCpuStreams);
  rows.push([
    "2",
    `service CPU per forwarded delta — instant (8 streams × ${r.settings.instantDeltas} deltas) / paced (${goals.pacedCpuStreams} streams, ${r.settings.pacedDeltas} deltas each at ${r.settings.paceMs} ms)`,
    "bare SDK loop's CPU per delta",
    `${i ? fmt(i.baselineCpu) : "–"} / ${p ? fmt(p.baselineCpu) : "–"} µs`,
    `${i ? fmt(i.serviceCpu) : "–"} / ${p ? fmt(p.serviceCpu) : "–"} µs`,
    `${i ? fmt(i.cpuRatio, 2) : "–"}× / ${p ? fmt(p.cpuRatio, 2) : "–"}×` +
      (i && Number.isFinite(i.referenceRatio)
        ? ` (minimal Connect forwarder: ${fmt(i.referenceRatio, 2)}× / ${p ? fmt(p.referenceRatio, 2) : "–"}×)`
        : ""),
    `≤ ${goals.instantCpu}× / ≤ ${goals.pacedCpu}×`,
    verdict(i && p ? i.cpuRatio <= goals.instantCpu && p.cpuRatio <= goals.pacedCpu : null),
  ]);
  const held = r.paced ? r.paced.steps.find((step) => step.streams === r.paced.held) : undefined;
  const next = r.paced?.steps.find((step) => !step.holds);
  rows.push([
    "3",
    `paced streams one core holds (gap p99 ≤ ${goals.maxGapRatio}× the SDK's, nothing lost)`,
    "bare SDK loop at the same count",
    held ? `gap p99 ${fmt(held.baselineGapP99)} ms at ${held.streams}` : "–",
    held ? `gap p99 ${fmt(held.serviceGapP99)} ms at ${held.streams}` : "–",
    r.paced
      ? `**${r.paced.held > 0 ? r.paced.held : `< ${r.paced.steps[0].streams}`}** streams${next ? ` (${next.streams}: gap ${fmt(next.gapRatio, 2)}×, lost ${next.lost}${Number.isFinite(next.referenceGapRatio) ? `; minimal Connect forwarder ${fmt(next.referenceGapRatio, 2)}×` : ""})` : " (top of the ladder)"}`
      : "not run",
    `≥ ${goals.streams} (stretch ${goals.streamsStretch})`,
    verdict(r.paced ? r.paced.held >= goals.streams : null),
  ]);
  const m = r.memory;
  rows.push([
    "4",
    `memory per open stream (${r.settings.memoryStreams} slow streams, RSS after GC)`,
    "bare SDK consumer",
    m ? `${fmt(m.baselineKb, 0)} KB (heap ${fmt(m.baselineHeapKb, 0)})` : "–",
    m ? `${fmt(m.serviceKb, 0)} KB (heap ${fmt(m.serviceHeapKb, 0)})` : "–",
    m
      ? `${fmt(m.ratio, 2)}×, ${fmt(m.serviceKb, 0)} KB` +
        (Number.isFinite(m.referenceRatio)
          ? ` (minimal Connect forwarder: ${fmt(m.referenceRatio, 2)}×, ${fmt(m.referenceKb, 0)} KB)`
          : "")
      : "not run",
    `≤ ${goals.memoryRatio}× and ≤ ${goals.memoryKb} KB`,
    verdict(m ? m.ratio <= goals.memoryRatio && m.serviceKb <= goals.memoryKb : null),
  ]);
  const l = r.lengths;
  const sizes = r.settings.chatSizes;
  const largest = sizes.at(-1);
  // The branched chats (when run): the large one is held to the goal against the small one (the same
  // switched state, 100× the size); both are shown against the straight 10-message chat too.
  const shapes = l?.branched ?? null;
  const keys = [...sizes.slice(1), ...(l?.p50?.branched === undefined ? [] : ["branchedSmall", "branched"])];
  const count = (shape) => shape.branches * shape.perBranch;
  const label = (key) =>
    shapes?.[key] ? `${count(shapes[key])} in ${shapes[key].branches} branches` : `${key}`;
  const branches = shapes?.branched?.branches;
  rows.push([
    "5",
    `time to first token by stored chat length (${sizes.join(" / ")} messages` +
      `${branches ? `, and ${largest} in ${branches} branches` : ""}; same 10 sent)`,
    `the ${sizes[0]}-message chat`,
    l ? `p50 ${fmt(l.p50[sizes[0]], 2)} ms` : "–",
    l ? keys.map((key) => `${label(key)}: ${fmt(l.p50[key], 2)} ms`).join(", ") : "–",
    l
      ? keys.map((key) => `${label(key)}: ${fmt(l.ratio[key], 2)}×`).join(", ") +
        (l.branchedRatio ? `; branched large ÷ small ${fmt(l.branchedRatio, 2)}×` : "")
      : "not run",
    `${largest} ≤ ${goals.lengthRatio}× of ${sizes[0]}` +
      (branches ? `; ${largest} in ${branches} branches ≤ ${goals.lengthRatio}× of the small branched` : ""),
    verdict(l ? Math.max(l.ratio[largest], l.branchedRatio ?? 0) <= goals.lengthRatio : null),
  ]);
  const k = r.tokenizer;
  const worst = k?.results
    .filter((row) => !row.name.startsWith("answer"))
    .sort((a, b) => b.worstMs - a.worstMs)[0];
  rows.push([
    "6",
    `worst tokenizer call for any accepted input (≤ ${k?.maxBytes ?? "?"} bytes)`,
    "—",
    "—",
    worst ? `${fmt(worst.worstMs)} ms (${worst.name})` : "–",
    worst ? `${fmt(worst.worstMs)} ms` : "not run",
    `≤ ${goals.tokenizerMs} ms`,
    verdict(worst ? worst.worstMs <= goals.tokenizerMs : null),
  ]);
  // At the load row 3 held; when it held none, at the smallest load tried.
  const eldStep = held ?? r.paced?.steps[0];
  rows.push([
    "7",
    "event-loop delay p99 at the load of row 3",
    "—",
    "—",
    eldStep
      ? `p99 ${fmt(eldStep.eldP99)} ms, max ${fmt(eldStep.eldMax)} ms at ${eldStep.streams} streams`
      : "–",
    eldStep ? `${fmt(eldStep.eldP99)} ms at ${eldStep.streams} streams` : "not run",
    `≤ ${goals.eldMs} ms`,
    verdict(eldStep ? eldStep.eldP99 <= goals.eldMs : null),
  ]);
  const c = r.coldStart;
  rows.push([
    "8",
    "cold start to serving (migrations applied; spawn → health SERVING)",
    "—",
    "—",
    c ? `median ${fmt(c.median, 0)} ms, max ${fmt(c.max, 0)} ms (${c.times.length} starts)` : "–",
    c ? `${fmt(c.median, 0)} ms` : "not run",
    `≤ ${goals.coldStartMs} ms`,
    verdict(c ? c.median <= goals.coldStartMs : null),
  ]);
  const b = r.bff;
  const bffGoal = `p50 ≤ +${goals.bffAddedP50} ms; ≤ ${goals.bffCpuRatio}× the minimal forwarder`;
  if (b && !b.error) {
    rows.push([
      "9",
      `web BFF hop: added time to first token, and Next.js CPU per delta through the tRPC SSE subscription (${b.streams} paced streams)`,
      "a Connect client reading the service directly; a minimal SSE forwarder",
      `p50 ${fmt(b.connectP50, 2)} ms; ${fmt(b.minimalCpu)} µs/delta`,
      `p50 ${fmt(b.bffP50, 2)} ms; ${fmt(b.bffCpu)} µs/delta`,
      `p50 ${signed(b.addedP50, 2)} ms; ${fmt(b.cpuRatio, 2)}×${b.lost ? `, lost ${b.lost}` : ""}`,
      bffGoal,
      verdict(b.addedP50 <= goals.bffAddedP50 && b.cpuRatio <= goals.bffCpuRatio && b.lost === 0),
    ]);
  } else {
    const why = b?.error ? `not measured: ${b.error.slice(0, 80)}` : "not measured yet: web BFF not built";
    rows.push(["9", "web BFF hop (tRPC SSE)", "—", "—", "—", `**${why}**`, bffGoal, "TODO"]);
  }
  return rows;
}

const header = ["#", "measure", "baseline (same run)", "baseline", "Parley", "result", "goal", "met"];

export function markdownTable(rows) {
  const line = (cells) => `| ${cells.map((cell) => String(cell).replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A plain-text rendering for the terminal. */
export function textTable(rows) {
  const cells = [header, ...rows].map((row) => [
    row[0],
    row[1].slice(0, 60),
    row[5].replaceAll("**", ""),
    row[6],
    row[7].replaceAll("**", ""),
  ]);
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => String(row[c]).length)));
  return cells.map((row) => row.map((cell, c) => String(cell).padEnd(widths[c])).join("  ")).join("\n");
}

/** The rows of the Redis hub and of several replicas (11–14; issue #11 numbers them 10, 11, 12, 12b). */
export function replicaRows(r, goals) {
  const rows = [];
  const w = r.watch;
  rows.push([
    "11",
    `WatchReply from mid-reply to its first delta on the replica that does not own the reply (issue #11's row 10; ${w ? `${w.samples} pairs` : "pairs"}, interleaved)`,
    "the same WatchReply on the owning replica",
    w ? `p50 ${fmt(w.ownerP50, 2)} ms, p99 ${fmt(w.ownerP99, 2)} ms` : "–",
    w ? `p50 ${fmt(w.otherP50, 2)} ms, p99 ${fmt(w.otherP99, 2)} ms` : "–",
    w
      ? `p50 ${signed(w.addedP50, 2)} ms, p99 ${signed(w.addedP99, 2)} ms${w.wrong ? `, ${w.wrong} failed or began at the wrong offset` : ""}${w.ended ? `, the reply ended during ${w.ended} round(s)` : ""}`
      : "not run",
    `p50 ≤ +${goals.watchAddedP50} ms`,
    verdict(w ? w.addedP50 <= goals.watchAddedP50 && w.wrong === 0 && w.ended === 0 : null),
  ]);
  const i = r.hubInstant;
  const p = r.hubPaced?.steps.find((step) => step.streams === goals.pacedCpuStreams);
  rows.push([
    "12",
    `service CPU per forwarded delta, Redis hub on vs off, the sender the only watcher (issue #11's row 11) — instant (8 streams × ${r.settings.instantDeltas} deltas) / paced (${goals.pacedCpuStreams} streams)`,
    "the same service with the hub off (no REDIS_URL)",
    `${i ? fmt(i.offCpu) : "–"} / ${p ? fmt(p.off.cpu) : "–"} µs`,
    `${i ? fmt(i.onCpu) : "–"} / ${p ? fmt(p.on.cpu) : "–"} µs`,
    i || p ? `${i ? fmt(i.ratio, 2) : "–"}× / ${p ? fmt(p.cpuRatio, 2) : "–"}×` : "not run",
    `≤ ${goals.hubCpuRatio}× / ≤ ${goals.hubCpuRatio}×`,
    verdict(i && p ? i.ratio <= goals.hubCpuRatio && p.cpuRatio <= goals.hubCpuRatio : null),
  ]);
  const h = r.hubPaced?.ladder ? r.hubPaced : undefined;
  const share = h ? h.onHeld / h.offHeld : NaN;
  const failed = (who) => h?.steps.find((step) => !step[who].holds);
  const why = (who) => {
    const step = failed(who);
    return step
      ? `${step.streams}: gap ${fmt(step[who].gapRatio, 2)}×, lost ${step[who].lost}`
      : "top of the ladder";
  };
  const count = (held) => (held > 0 ? held : `< ${h.steps[0].streams}`);
  rows.push([
    "13",
    `paced streams one core holds with the Redis hub on (row 3's rule; issue #11's row 12)`,
    "the same ladder with the hub off, same run",
    h ? `${count(h.offHeld)} streams (${why("off")})` : "–",
    h ? `${count(h.onHeld)} streams (${why("on")})` : "–",
    h
      ? h.offHeld > 0
        ? `**${fmt(share * 100, 0)} %** of the hub-off figure`
        : `no figure: hub off held no step (hub on ${h.onHeld > 0 ? "did" : "neither"})`
      : "not run",
    `≥ ${goals.hubStreamsShare * 100} %`,
    verdict(h && h.offHeld > 0 ? share >= goals.hubStreamsShare : null),
  ]);
  const s = r.stop;
  rows.push([
    "14",
    `StopReply on the replica that does not own the reply → the owner closed the upstream request (issue #11's row 12b; ${s ? s.stops : "–"} stops, one at a time)`,
    "—",
    "—",
    s
      ? `p50 ${fmt(s.closedP50)} ms, p99 ${fmt(s.closedP99)} ms, max ${fmt(s.closedMax)} ms; StopReply answered p50 ${fmt(s.answeredP50)} ms`
      : "–",
    s ? `p99 ${fmt(s.closedP99)} ms${s.notStopped ? `, ${s.notStopped} not stopped` : ""}` : "not run",
    `p99 ≤ ${goals.stopP99} ms`,
    verdict(s ? s.closedP99 <= goals.stopP99 && s.notStopped === 0 : null),
  ]);
  return rows;
}

/** Row 16: what the per-user limits add to the first token (issue #12). */
export function limitsRows(r, goals) {
  const l = r.limits;
  return [
    [
      "16",
      "added time to first token with every per-user limit on but not reached (overrides + month's usage read, rate counter, live-reply count in the turn) vs all off; usage recorded in both",
      "the same service with every limit off (0), same database, same turn on an identical 50-message chat",
      l ? `p50 ${fmt(l.offP50, 2)} ms, p99 ${fmt(l.offP99, 2)} ms` : "–",
      l ? `p50 ${fmt(l.onP50, 2)} ms, p99 ${fmt(l.onP99, 2)} ms` : "–",
      l ? `p50 ${signed(l.addedP50, 2)} ms, p99 ${signed(l.addedP99, 2)} ms` : "not run",
      `p50 ≤ +${goals.limitsAddedP50} ms`,
      verdict(l ? l.addedP50 <= goals.limitsAddedP50 : null),
    ],
  ];
}

/** Replaces the generated section of `path` between `markers` (creating the file when missing). */
export function writeResults(path, section, markers = { start, end }) {
  const { start, end } = markers;
  const block = `${start}\n${section.trim()}\n${end}`;
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `# Benchmarks\n\n${block}\n${current}`;
  writeFileSync(path, next);
}
