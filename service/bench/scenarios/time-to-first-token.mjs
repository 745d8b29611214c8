/**
 * Rows 1 and 5 (and 16, 22 and 24, A/Bs of row 1's turn): time to the first token.
 *
 * Row 1 — added TTFT at concurrency 1 on a stored 50-message chat: a Connect gRPC client → the service
 * (reads the chat from MariaDB, counts, stores the turn, calls the simulator) versus the `openai` SDK
 * sending the very same prompt to the simulator directly. Interleaved rounds; added = subject − baseline
 * per round, median over rounds.
 *
 * Row 5 — TTFT on chats of 10, 1 000 and 100 000 stored messages, with the context window set so that
 * every chat sends exactly the same newest 10 messages: only the stored length differs. Two more chats,
 * of 1 000 messages in 10 branches and of 100 000 in 1 000, each switched to an older branch (its path is
 * not among the newest messages: the turn reads it by runs, and resets the chat's choice), send the same
 * 10; the large one is held to the goal against the small one (the same state, 100× the size).
 */
import { createTiktokenTokenCounter } from "../../dist/adapters/tiktoken/tiktoken-token-counter.js";
import { loadConfig } from "../../dist/config.js";
import { chatClient, timeToFirstDelta } from "../lib/connect-client.mjs";
import { median, percentile } from "../lib/stats.mjs";
import { paragraph } from "../lib/texts.mjs";

const question = "bench:ttft";
const defaults = loadConfig({});
const tokens = createTiktokenTokenCounter("o200k_base");

/** Sequential turns on one chat, trimmed back to `keep` messages after each; ms to the first delta. */
async function serviceTurns(client, database, { userId, chatId, keep, leafId, count }) {
  const times = [];
  for (let i = 0; i < count; i++) {
    times.push(await timeToFirstDelta(client, { userId, chatId, text: question }));
    await database.trimChat(chatId, keep, leafId);
  }
  return times;
}

const summary = (times) => ({ p50: percentile(times, 50), p99: percentile(times, 99) });

/** Row 1's stored chat: 50 messages of alternating lengths. */
const history = (k) => {
  const content = paragraph(k % 2 === 0 ? 700 : 140, k);
  return { content, tokenCount: tokens.count(content) };
};

/** The prompt a turn on row 1's chat sends: what the SDK baseline sends directly. */
function row1Prompt() {
  const messages = [{ role: "system", content: defaults.systemPrompt }];
  for (let k = 49; k >= 0; k--)
    messages.push({ role: k % 2 === 0 ? "assistant" : "user", content: history(k).content });
  messages.push({ role: "user", content: question });
  return messages;
}

/** What the minimal Connect forwarder sends for row 1's question: the same prompt (see its header). */
export const referencePrompts = () => ({ [question]: row1Prompt() });

/**
 * Row 1; with `reference` (the minimal Connect forwarder) also its added time, in the same rounds: what
 * any Connect service on this stack adds (the RPC in and out, the SDK's request), so the rest is Parley's.
 */
export async function addedTimeToFirstToken({
  service,
  baseline,
  reference,
  database,
  rounds,
  perRound,
  log,
}) {
  const userId = "bench-ttft";
  const chatId = await database.seedChat({ userId, count: 50, message: history });
  const messages = row1Prompt();

  const client = chatClient(service.baseUrl);
  const referenceClient = reference && chatClient(reference.baseUrl);
  const run = {
    service: (count) => serviceTurns(client, database, { userId, chatId, keep: 50, count }),
    baseline: (count) => baseline.call("ttft", { count, messages }),
    ...(referenceClient && { reference: (count) => referenceTurns(referenceClient, count) }),
  };
  for (const measure of Object.values(run)) await measure(30);

  const perRoundResults = [];
  for (let round = 0; round < rounds; round++) {
    // Rotated, so that no subject always follows the same one.
    const subjects = Object.keys(run);
    const order = subjects.map((_, i) => subjects[(round + i) % subjects.length]);
    const times = {};
    for (const who of order) times[who] = await run[who](perRound);
    const b = summary(times.baseline);
    const s = summary(times.service);
    const r = times.reference && summary(times.reference);
    perRoundResults.push({
      baseline: b,
      service: s,
      addedP50: s.p50 - b.p50,
      addedP99: s.p99 - b.p99,
      referenceAddedP50: r ? r.p50 - b.p50 : NaN,
    });
    log(
      `  round ${round + 1}: sdk p50 ${b.p50.toFixed(2)} p99 ${b.p99.toFixed(2)} | service p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} ms` +
        (r ? ` | forwarder p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms` : ""),
    );
  }
  return {
    chatId,
    rounds: perRoundResults,
    baselineP50: median(perRoundResults.map((r) => r.baseline.p50)),
    baselineP99: median(perRoundResults.map((r) => r.baseline.p99)),
    serviceP50: median(perRoundResults.map((r) => r.service.p50)),
    serviceP99: median(perRoundResults.map((r) => r.service.p99)),
    addedP50: median(perRoundResults.map((r) => r.addedP50)),
    addedP99: median(perRoundResults.map((r) => r.addedP99)),
    referenceAddedP50: median(perRoundResults.map((r) => r.referenceAddedP50)),
  };
}

/** Row 1's question through the forwarder: nothing stored, so nothing to trim. */
async function referenceTurns(client, count) {
  const times = [];
  for (let i = 0; i < count; i++)
    times.push(await timeToFirstDelta(client, { userId: "bench-ttft", text: question }));
  return times;
}

/**
 * Row 5's chats end in the same messages; returns the context window that holds exactly their newest
 * 10 (with the system prompt, the question and the answer's reserve), and the seeding function.
 */
export function constantWindow() {
  const variants = Array.from({ length: 8 }, (_, i) => {
    const content = paragraph(1_000, i * 5 + 1);
    return { content, tokenCount: tokens.count(content) };
  });
  const message = (k) => variants[k % variants.length];
  const cost = (k) => message(k).tokenCount + 3;
  const fixed = tokens.count(defaults.systemPrompt) + 3 + tokens.count(question) + 3;
  let ten = 0;
  for (let k = 0; k < 10; k++) ten += cost(k);
  const contextWindow = defaults.maxOutputTokens + 3 + fixed + ten + Math.floor(cost(10) / 2);
  return { message, contextWindow };
}

/** Row 5; `service` was started with `constantWindow().contextWindow`. */
export async function timeToFirstTokenByLength({
  service,
  database,
  message,
  sizes,
  branched,
  rounds,
  perRound,
  log,
}) {
  const userId = "bench-long";
  const chats = [];
  for (const count of sizes) {
    const started = Date.now();
    chats.push({ key: count, count, chatId: await database.seedChat({ userId, count, message }) });
    log(`  seeded a chat of ${count} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  // The branched chats: a small one (the like-for-like baseline: the same switched state, 100× fewer
  // messages and branches) and the large one.
  for (const [key, shape] of branched ? Object.entries(branched) : []) {
    const started = Date.now();
    const seeded = await database.seedBranchedChat({ userId, message, ...shape });
    chats.push({ key, ...seeded });
    log(
      `  seeded a chat of ${seeded.count} messages in ${shape.branches} branches in ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const keys = chats.map((chat) => chat.key);
  const client = chatClient(service.baseUrl);
  const run = (chat, count) =>
    serviceTurns(client, database, {
      userId,
      chatId: chat.chatId,
      keep: chat.count,
      leafId: chat.leafId,
      count,
    });
  for (const chat of chats) await run(chat, 20);

  const perRoundResults = [];
  for (let round = 0; round < rounds; round++) {
    const p50 = {};
    for (let i = 0; i < chats.length; i++) {
      const chat = chats[(i + round) % chats.length];
      p50[chat.key] = percentile(await run(chat, perRound), 50);
    }
    perRoundResults.push(p50);
    log(`  round ${round + 1}: ${keys.map((key) => `${key}: ${p50[key].toFixed(2)} ms`).join(", ")}`);
  }
  const [smallest] = sizes;
  return {
    rounds: perRoundResults,
    branched: branched ?? null,
    p50: Object.fromEntries(keys.map((key) => [key, median(perRoundResults.map((r) => r[key]))])),
    ratio: Object.fromEntries(
      keys.map((key) => [key, median(perRoundResults.map((r) => r[key] / r[smallest]))]),
    ),
    // The large branched chat against the small one: flat in size, in the same switched state.
    branchedRatio: branched ? median(perRoundResults.map((r) => r.branched / r.branchedSmall)) : null,
  };
}

/**
 * Row 1's added time, split into phases by ttft-breakdown.mjs (Parley composed in-process with timed
 * ports) on the same 50-message chat. Medians over `count` sequential turns, in ms.
 */
export async function timeToFirstTokenBreakdown({ service, database, chatId, count }) {
  const client = chatClient(service.baseUrl);
  const userId = "bench-ttft";
  const calls = [];
  for (let i = 0; i < count + 20; i++) {
    const start = process.hrtime.bigint();
    let first = 0n;
    for await (const { event } of client.sendMessage({ userId, chatId, text: question })) {
      if (event?.kind.case === "delta" && first === 0n) first = process.hrtime.bigint();
    }
    calls.push({ start, first });
    await database.trimChat(chatId, 50);
  }
  const marks = await service.call("marks");
  const ms = (from, to) => Number(BigInt(to) - BigInt(from)) / 1e6;
  const phases = { inbound: [], database: [], upstream: [], outbound: [], total: [] };
  const steps = new Map();
  const step = (name, order) =>
    steps.get(name) ?? steps.set(name, { name, order, at: [], took: [] }).get(name);
  calls.slice(20).forEach((call, i) => {
    const mark = marks[i + 20];
    phases.inbound.push(ms(call.start, mark.query));
    phases.database.push(ms(mark.query, mark.model));
    phases.upstream.push(ms(mark.model, mark.first));
    phases.outbound.push(ms(mark.first, call.first));
    phases.total.push(ms(call.start, call.first));
    mark.statements.forEach((statement, order) => {
      const noted = step(statementName(statement.sql), order);
      noted.at.push(ms(mark.query, statement.sent));
      if (statement.done) noted.took.push(ms(statement.sent, statement.done));
    });
    step("model call", Infinity).at.push(ms(mark.query, mark.model));
    step("first model delta", Infinity).at.push(ms(mark.query, mark.first));
  });
  // A statement of this turn's own, not one that ran beside it in some turns (e.g. search indexing).
  const timeline = [...steps.values()]
    .filter((noted) => noted.at.length * 2 >= count)
    .map((noted) => ({
      name: noted.name,
      at: median(noted.at),
      took: noted.took.length ? median(noted.took) : null,
    }))
    .sort((a, b) => a.at - b.at);
  return {
    ...Object.fromEntries(Object.entries(phases).map(([name, values]) => [name, median(values)])),
    timeline,
  };
}

/** A turn's statement by what it does (ttft-breakdown.mjs notes its SQL's first 40 characters). */
function statementName(sql) {
  const names = [
    [/^select `today_tokens`/, "limits read"],
    [/^begin/i, "BEGIN"],
    [/^update `chats`/, "chat lock (UPDATE chats)"],
    [/^select `messages`/, "history read"],
    [/^insert into `messages`/, "INSERT the turn"],
    [/^commit/i, "COMMIT"],
  ];
  return names.find(([pattern]) => pattern.test(sql))?.[1] ?? sql.replaceAll("`", "").slice(0, 30);
}

/**
 * Row 16 — what the per-user limits add to the first token: two services on the same database, one
 * with every limit off, one with every limit on but never reached (so each send pays the whole check:
 * the overrides and the month's usage read in parallel, the rate counter, the live-reply count inside the
 * turn's transaction). Usage is recorded either way (with the final write, after the answer; the
 * prompt's tokens by an UPDATE that is not awaited), so it is in both. Added = on − off.
 */
export async function limitsTimeToFirstToken({ off, on, database, rounds, perRound, log }) {
  const {
    a: offTimes,
    b: onTimes,
    added,
  } = await interleavedTimeToFirstToken({
    a: { name: "limits off", service: off, userId: "bench-limits-off" },
    b: { name: "on", service: on, userId: "bench-limits-on" },
    database,
    rounds,
    perRound,
    log,
  });
  return {
    offP50: offTimes.p50,
    offP99: offTimes.p99,
    onP50: onTimes.p50,
    onP99: onTimes.p99,
    addedP50: added.p50,
    addedP99: added.p99,
  };
}

/**
 * Rows 22 and 24 (opt-in) — row 1 on two services (two settings of one build, as row 22's model call
 * after vs with the commit; or two builds, as row 24's base vs this one) on the same database, and the
 * bare SDK sending the same prompt, interleaved: each service's added time is row 1's (service − SDK,
 * per round, median over rounds), and b − a per round is the gain (negative: sooner).
 */
export async function pairedTimeToFirstToken({ a, b, baseline, database, rounds, perRound, log }) {
  const result = await interleavedTimeToFirstToken({
    a,
    b,
    baseline: { name: "sdk", run: (count) => baseline.call("ttft", { count, messages: row1Prompt() }) },
    database,
    rounds,
    perRound,
    log,
  });
  return {
    sdk: result.baseline,
    a: result.a,
    b: result.b,
    aAdded: result.aAdded,
    bAdded: result.bAdded,
    gain: result.added,
  };
}

/**
 * Two services' time to the first token, interleaved (the order alternates per round): each sends the
 * same turn on its own identical copy of row 1's 50-message chat; `baseline`, when given, runs in every
 * round too. Every figure is the median over rounds of a per-round p50 or p99 (or difference of them).
 */
async function interleavedTimeToFirstToken({ a, b, baseline, database, rounds, perRound, log }) {
  const subjects = [];
  for (const [key, subject] of [
    ["a", a],
    ["b", b],
  ]) {
    const chatId = await database.seedChat({ userId: subject.userId, count: 50, message: history });
    const client = chatClient(subject.service.baseUrl);
    const run = (count) =>
      serviceTurns(client, database, { userId: subject.userId, chatId, keep: 50, count });
    await run(30);
    subjects.push({ key, name: subject.name, run });
  }
  if (baseline) {
    await baseline.run(30);
    subjects.push({ key: "baseline", name: baseline.name, run: baseline.run });
  }
  const perRoundResults = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    const times = {};
    for (const subject of order) times[subject.key] = summary(await subject.run(perRound));
    const minus = (x, y) => ({ p50: x.p50 - y.p50, p99: x.p99 - y.p99 });
    perRoundResults.push({
      ...times,
      added: minus(times.b, times.a),
      ...(baseline && { aAdded: minus(times.a, times.baseline), bAdded: minus(times.b, times.baseline) }),
    });
    const shown = subjects
      .map((s) => `${s.name} p50 ${times[s.key].p50.toFixed(2)} p99 ${times[s.key].p99.toFixed(2)}`)
      .join(" | ");
    log(`  round ${round + 1}: ${shown} ms`);
  }
  const medianOf = (key) =>
    perRoundResults[0][key] && {
      p50: median(perRoundResults.map((r) => r[key].p50)),
      p99: median(perRoundResults.map((r) => r[key].p99)),
    };
  return {
    a: medianOf("a"),
    b: medianOf("b"),
    added: medianOf("added"),
    baseline: medianOf("baseline"),
    aAdded: medianOf("aAdded"),
    bAdded: medianOf("bAdded"),
  };
}
