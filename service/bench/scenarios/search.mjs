/**
 * Row 15: SearchChats on 100 000 stored messages. Ten users, ten chats each, 1 000 messages per chat
 * (user messages of ~60 characters, replies of ~140; one in ten in Japanese), bulk-inserted into
 * `chats` and `messages`, then put into the search index by the backfill (`search reindex`'s code, in
 * this process: its throughput is reported too). Then, against the running service over gRPC,
 * SearchChats for one user with a mix of queries (a common word, a rarer one, a rare one, a word's
 * start, a two-word phrase, two kanji, one kana, and a miss made of common letter pairs), page size 20,
 * alternating with ListChats (page size 20, the index read every sidebar makes) as the baseline of a
 * plain indexed read in the same run.
 */
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { SearchService } from "@parley/gen/parley/search/v1/search_pb";
import { bearerAuth } from "@parley/test-support";
import { backfillSearchIndex } from "../../dist/adapters/mysql/search-backfill.js";
import { uuidV7 } from "../../dist/adapters/system-clock.js";
import { benchToken } from "../lib/grpc-load.mjs";
import { median, percentile } from "../lib/stats.mjs";

const users = 10;
const chatsPerUser = 10;
const messagesPerChat = 1_000;
export const searchedUser = "bench-search-0";

/** A deterministic pseudo-random sequence. */
function random(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const syllables =
  "ka ri to mo sa ne lu vi pe da zo fi gu he ja ce bo wi xu qe ny st tr pl er an en on ar".split(" ");
/** 4 000 made-up words of 2–4 syllables: a vocabulary with English-like letter pairs. */
const vocabulary = (() => {
  const next = random(7);
  const words = new Set();
  while (words.size < 4_000) {
    const length = 2 + Math.floor(next() * 3);
    let word = "";
    for (let i = 0; i < length; i++) word += syllables[Math.floor(next() * syllables.length)];
    words.add(word);
  }
  return [...words];
})();
const kanji = "東京大阪日本語学校先生時間電車会社仕事天気今日明日新聞映画音楽料理旅行".split("");
const kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのタワーカメラコーヒー".split("");

/** Zipf-like: low ranks far more often. */
const pickWord = (next) => vocabulary[Math.floor(vocabulary.length * next() ** 3)];

function sentence(next, chars, k) {
  if (k % 10 === 9) {
    let text = "";
    while (text.length < chars / 2) {
      const pool = next() < 0.5 ? kanji : kana;
      text += pool[Math.floor(next() * pool.length)];
    }
    return text;
  }
  let text = "";
  while (text.length < chars) text += `${pickWord(next)} `;
  // One message in 500 carries a rare word.
  if (k % 500 === 17) text += "zephyrine ";
  return `${text.trimEnd()}.`;
}

/** Bulk-inserts the chats and messages; returns how many messages. */
async function seed(pool) {
  const next = random(42);
  const start = Date.now() - users * chatsPerUser * messagesPerChat * 1_000;
  let k = 0;
  for (let u = 0; u < users; u++) {
    for (let c = 0; c < chatsPerUser; c++) {
      const chatId = uuidV7();
      const created = new Date(start + k * 1_000);
      await pool.query(
        "insert into chats (id, user_id, title, model, created_at, updated_at) values (?, ?, ?, ?, ?, ?)",
        [chatId, `bench-search-${u}`, sentence(next, 30, c), "gpt-4o-mini", created, created],
      );
      let previous = null;
      for (let from = 1; from <= messagesPerChat; from += 1_000) {
        const rows = [];
        for (let seq = from; seq < Math.min(messagesPerChat + 1, from + 1_000); seq++, k++) {
          const role = seq % 2 === 1 ? "user" : "assistant";
          const content = sentence(next, role === "user" ? 60 : 140, k);
          const at = new Date(start + k * 1_000);
          const id = uuidV7();
          rows.push([id, chatId, seq, previous, seq, role, content, 20, "complete", at, at]);
          previous = id;
        }
        await pool.query(
          "insert into messages (id, chat_id, seq, parent_id, depth, role, content, token_count, status, created_at, updated_at) values ?",
          [rows],
        );
      }
    }
  }
  return k;
}

/** The queries, one per kind. */
function queries() {
  return [
    { kind: "common word", query: vocabulary[0] },
    { kind: "rarer word", query: vocabulary[400] },
    { kind: "rare word", query: "zephyrine" },
    { kind: "word start", query: vocabulary[40].slice(0, 4) },
    { kind: "two words", query: `${vocabulary[1]} ${vocabulary[2]}` },
    { kind: "two kanji", query: "東京" },
    { kind: "one kana", query: "タ" },
    { kind: "miss", query: "kariton sane" },
  ];
}

async function timed(call) {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

export async function searchRow({ database, startService, rounds, perRound, log }) {
  const seedStart = performance.now();
  const messages = await seed(database.pool);
  log(`  seeded ${messages} messages in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const indexStart = performance.now();
  const indexed = await backfillSearchIndex(database.db, { batchSize: 2_000 });
  const indexSeconds = (performance.now() - indexStart) / 1000;
  const [[grams]] = await database.pool.query("select count(*) as n from search_grams");
  log(
    `  indexed ${indexed.messages} messages and ${indexed.titles} titles (${grams.n} grams) in ${indexSeconds.toFixed(1)} s`,
  );

  const service = await startService();
  try {
    const transport = createGrpcTransport({
      baseUrl: service.baseUrl,
      interceptors: [bearerAuth(benchToken)],
    });
    const search = createClient(SearchService, transport);
    const chats = createClient(ChatService, transport);
    const mix = queries();
    const byKind = Object.fromEntries(mix.map(({ kind }) => [kind, []]));
    const hits = {};
    for (const { kind, query } of mix) {
      const page = await search.searchChats({ userId: searchedUser, query, pageSize: 20 });
      hits[kind] = page.results.length;
    }
    const searchMs = [];
    const listMs = [];
    const roundP50 = [];
    for (let round = 0; round < rounds; round++) {
      const roundSearch = [];
      for (let i = 0; i < perRound; i++) {
        const { kind, query } = mix[i % mix.length];
        const ms = await timed(() => search.searchChats({ userId: searchedUser, query, pageSize: 20 }));
        byKind[kind].push(ms);
        roundSearch.push(ms);
        listMs.push(await timed(() => chats.listChats({ userId: searchedUser, pageSize: 20 })));
      }
      searchMs.push(...roundSearch);
      roundP50.push(median(roundSearch));
      log(`  round ${round + 1}: SearchChats p50 ${median(roundSearch).toFixed(2)} ms`);
    }
    return {
      messages,
      grams: Number(grams.n),
      indexSeconds,
      searchP50: median(searchMs),
      searchP95: percentile(searchMs, 95),
      listP50: median(listMs),
      ratio: median(searchMs) / median(listMs),
      roundP50,
      kinds: mix.map(({ kind, query }) => ({
        kind,
        query,
        hits: hits[kind],
        p50: median(byKind[kind]),
        p95: percentile(byKind[kind], 95),
      })),
      problems: service.problems(),
    };
  } finally {
    await service.stop();
  }
}

export const searchMarkers = { start: "<!-- bench:search:start -->", end: "<!-- bench:search:end -->" };

/** The section of docs/benchmarks.md for row 15. */
export function renderSearchSection(r, machine, goalMs) {
  const met = r.searchP50 <= goalMs ? "yes" : "no";
  const lines = [
    `### Row 15: search (${machine})`,
    "",
    "| # | measure | baseline (same run) | baseline | Parley | result | goal | met |",
    "|---|---|---|---|---|---|---|---|",
    `| 15 | SearchChats p50 over ${r.messages.toLocaleString("en")} stored messages (10 users; query mix below; page 20) | ListChats p50 (page 20) | ${r.listP50.toFixed(2)} ms | ${r.searchP50.toFixed(2)} ms (p95 ${r.searchP95.toFixed(2)}) | ${r.ratio.toFixed(1)}× | p50 ≤ ${goalMs} ms | ${met} |`,
    "",
    `Index: ${r.grams.toLocaleString("en")} gram rows, built by the backfill in ${r.indexSeconds.toFixed(1)} s (${Math.round(r.messages / r.indexSeconds).toLocaleString("en")} messages/s). Rounds' p50: ${r.roundP50.map((v) => v.toFixed(2)).join(", ")} ms.`,
    "",
    "| query kind | query | results (page 20) | p50 ms | p95 ms |",
    "|---|---|---|---|---|",
    ...r.kinds.map(
      (k) => `| ${k.kind} | \`${k.query}\` | ${k.hits} | ${k.p50.toFixed(2)} | ${k.p95.toFixed(2)} |`,
    ),
  ];
  return lines.join("\n");
}
