/**
 * Rows 11 and 14: a live reply seen from the replica that does not own it. Two service processes, the
 * owner A and the other replica B, on one database and one Redis (the run's key prefix), both with the
 * hub on.
 *
 * Row 11: while a long paced reply streams on A, WatchReply from the middle of what was sent so far,
 * alternately on A and on B (the order flips each pair), and time the call to its first delta (the
 * catch-up text). On A it comes from the hub in memory; on B from the database's saved text and the
 * reply's Redis stream.
 *
 * Row 14: a reply streams on A; StopReply on B; the simulator records when A closed the upstream
 * request. The time is the simulator's clock minus the load client's, both as epoch milliseconds
 * (`performance.timeOrigin + performance.now()`), which agree to well under a millisecond on one host.
 */
import { performance } from "node:perf_hooks";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { chatClient } from "../lib/connect-client.mjs";
import { openSession, sendMessage } from "../lib/grpc-load.mjs";
import { max, median, percentile, signed } from "../lib/stats.mjs";

const userId = "bench-replicas";
const epochNow = () => performance.timeOrigin + performance.now();

/** Starts a long reply on `owner`; resolves once its first delta arrived, with the reply's handle. */
async function liveReply(owner, question) {
  const session = openSession(owner.baseUrl);
  let first;
  const arrived = new Promise((resolve) => (first = resolve));
  const done = sendMessage(session, { userId, text: question, onFirstDelta: first });
  const result = await Promise.race([arrived, done]);
  if (!result.replyId || result.deltas === 0) throw new Error(`no live reply for ${question}`);
  return { result, done: done.finally(() => session.close()) };
}

/**
 * WatchReply from `fromOffset`: ms from the call to the first delta, and whether it began there; a call
 * that failed (e.g. UNAVAILABLE when the database pool is busy) counts as not ok, with no time.
 */
async function watchToFirstDelta(client, replyId, fromOffset) {
  const abort = new AbortController();
  const start = performance.now();
  try {
    for await (const { event } of client.watchReply(
      { userId, replyId, fromOffset },
      { signal: abort.signal },
    )) {
      if (event?.kind.case !== "delta") continue;
      const ms = performance.now() - start;
      // Cancel the call (RST_STREAM) as a client that got what it wanted would. Only leaving the loop
      // is not enough: the call stays open and the server goes on streaming the live reply into it.
      abort.abort();
      return { ms, ok: event.kind.value.offset === fromOffset };
    }
  } catch (error) {
    return { ms: NaN, ok: false, error: error.message };
  }
  return { ms: NaN, ok: false };
}

/**
 * Row 11. `perRound` pairs of watches per round, after `warmUp` unmeasured pairs. Each round watches a
 * reply of its own, started for it and stopped after it, so every watch meets a live reply (one that
 * had ended would be replayed from the database on both replicas alike).
 */
export async function watchOnOtherReplica({ owner, other, rounds, perRound, warmUp = 20, log }) {
  const clients = { owner: chatClient(owner.baseUrl), other: chatClient(other.baseUrl) };
  const results = [];
  let wrong = 0;
  let ended = 0;
  for (let round = 0; round < rounds; round++) {
    const reply = await liveReply(owner, `bench:long:watch:${round}`);
    // Let some text build up, so that "the middle" is well inside the reply.
    while (reply.result.received < 200) await new Promise((resolve) => setTimeout(resolve, 20));
    const { replyId } = reply.result;
    const sample = async (who) => watchToFirstDelta(clients[who], replyId, reply.result.received >> 1);
    if (round === 0) {
      for (let i = 0; i < warmUp; i++) {
        await sample("owner");
        await sample("other");
      }
    }
    const times = { owner: [], other: [] };
    for (let i = 0; i < perRound; i++) {
      for (const who of i % 2 === 0 ? ["owner", "other"] : ["other", "owner"]) {
        const { ms, ok, error } = await sample(who);
        if (!ok) {
          wrong++;
          if (error)
            log(`  a watch on ${who === "owner" ? "the owner" : "the other replica"} failed: ${error}`);
        }
        if (Number.isFinite(ms)) times[who].push(ms);
      }
    }
    const r = {
      ownerP50: percentile(times.owner, 50),
      ownerP99: percentile(times.owner, 99),
      otherP50: percentile(times.other, 50),
      otherP99: percentile(times.other, 99),
    };
    results.push(r);
    log(
      `  watch round ${round + 1}${reply.result.status === null ? "" : " (the reply ended before the round did)"}: owner p50 ${r.ownerP50.toFixed(2)} / p99 ${r.ownerP99.toFixed(2)} ms, other replica p50 ${r.otherP50.toFixed(2)} / p99 ${r.otherP99.toFixed(2)} ms (${signed(r.otherP50 - r.ownerP50, 2)} ms p50)`,
    );
    if (reply.result.status !== null) ended++;
    await clients.owner.stopReply({ userId, replyId });
    await reply.done;
  }
  const at = (key) => median(results.map((r) => r[key]));
  return {
    rounds: results,
    samples: rounds * perRound,
    wrong,
    ended,
    ownerP50: at("ownerP50"),
    ownerP99: at("ownerP99"),
    otherP50: at("otherP50"),
    otherP99: at("otherP99"),
    addedP50: median(results.map((r) => r.otherP50 - r.ownerP50)),
    addedP99: median(results.map((r) => r.otherP99 - r.ownerP99)),
  };
}

/** Row 14. `perRound` stops per round, one at a time; `simulator.call` reaches the simulator process. */
export async function stopOnOtherReplica({ owner, other, simulator, rounds, perRound, log }) {
  const client = chatClient(other.baseUrl);
  const results = [];
  const all = [];
  let notStopped = 0;
  for (let round = 0; round < rounds; round++) {
    const closed = [];
    const answered = [];
    for (let i = 0; i < perRound; i++) {
      const question = `bench:long:stop:${round}:${i}`;
      try {
        const reply = await liveReply(owner, question);
        const start = epochNow();
        const closedAt = simulator.call("closedAt", { question, timeoutMs: 5_000 });
        closedAt.catch(() => undefined); // awaited below; handled here in case StopReply throws first
        const { status } = await client.stopReply({ userId, replyId: reply.result.replyId });
        answered.push(epochNow() - start);
        closed.push((await closedAt) - start);
        const sent = await reply.done;
        if (status !== ReplyStatus.STOPPED || sent.status !== ReplyStatus.STOPPED) notStopped++;
      } catch (error) {
        // A stop that could not be made or timed counts against the row, and the row goes on.
        notStopped++;
        log(`  stop ${i + 1} of round ${round + 1} failed: ${error.message}`);
      }
    }
    all.push(...closed);
    const r = {
      closedP50: percentile(closed, 50),
      closedP99: percentile(closed, 99),
      answeredP50: percentile(answered, 50),
      answeredP99: percentile(answered, 99),
    };
    results.push(r);
    log(
      `  stop round ${round + 1}: upstream closed p50 ${r.closedP50.toFixed(1)} / p99 ${r.closedP99.toFixed(1)} ms after StopReply on the other replica; StopReply answered p50 ${r.answeredP50.toFixed(1)} / p99 ${r.answeredP99.toFixed(1)} ms`,
    );
  }
  const at = (key) => median(results.map((r) => r[key]));
  return {
    rounds: results,
    stops: rounds * perRound,
    notStopped,
    closedP50: at("closedP50"),
    closedP99: at("closedP99"),
    closedMax: max(all),
    answeredP50: at("answeredP50"),
    answeredP99: at("answeredP99"),
  };
}
