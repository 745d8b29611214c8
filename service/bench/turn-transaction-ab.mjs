/**
 * The turn's transaction alone (no RPC, no model): `startTurn` on an existing chat through the MySQL
 * repository, with Drizzle's `db.transaction` (BEGIN first) vs the turns' pool (no BEGIN), interleaved in
 * one process. `node service/bench/turn-transaction-ab.mjs [rounds=10] [turnsPerRound=100]` after
 * `npm run build -w service`; DATABASE_SERVER_URL defaults to the local MariaDB. A throwaway database is
 * created and dropped. See docs/benchmarks.md, "A turn without BEGIN".
 */
import { randomUUID } from "node:crypto";
import { createDatabase } from "../dist/adapters/mysql/database.js";
import { createMysqlChatRepository } from "../dist/adapters/mysql/mysql-chat-repository.js";

const server = process.env.DATABASE_SERVER_URL ?? "mysql://root@127.0.0.1:3306";
const name = `parley_turn_ab_${Date.now()}`;
const database = await createDatabase(`${server}/${name}`);
const meter = { estimate: () => ({}), price: () => 0 };
const paths = {
  begin: createMysqlChatRepository(
    { db: database.db, turns: (work) => database.db.transaction(work) },
    meter,
  ),
  nobegin: createMysqlChatRepository(database, meter),
};
const now = () => new Date();
const owner = randomUUID();
const lease = { owner, expiresAt: new Date("2100-01-01T00:00:00Z") };
async function chatFor(repo) {
  const chatId = randomUUID();
  const t = {
    userId: "u",
    chatId,
    newChat: {
      title: "t",
      model: "m",
      instructions: null,
      instructionsTokens: null,
      titleSource: "first_message",
    },
    userMessage: { id: randomUUID(), content: "hi", tokenCount: 1 },
    replyId: randomUUID(),
    lease,
    now: now(),
    historyLimit: 50,
    maxLiveReplies: 0,
  };
  const s = await repo.startTurn(t);
  await finish(repo, s.reply.id);
  return chatId;
}
async function finish(repo, replyId) {
  await repo.finishReply(replyId, {
    owner,
    userId: "u",
    content: "ok",
    tokenCount: 1,
    status: "complete",
    finishReason: "stop",
    usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2, source: "provider", costMicros: 0 },
    error: null,
    now: now(),
  });
}
const chats = { begin: await chatFor(paths.begin), nobegin: await chatFor(paths.nobegin) };
const rounds = Number(process.argv[2] ?? 10),
  per = Number(process.argv[3] ?? 100);
const medians = { begin: [], nobegin: [] };
for (let r = 0; r < rounds + 1; r++) {
  const order = r % 2 ? ["begin", "nobegin"] : ["nobegin", "begin"];
  for (const key of order) {
    const ts = [];
    for (let i = 0; i < per; i++) {
      const repo = paths[key];
      const t = {
        userId: "u",
        chatId: chats[key],
        newChat: null,
        userMessage: { id: randomUUID(), content: "hi", tokenCount: 1 },
        replyId: randomUUID(),
        lease,
        now: now(),
        historyLimit: 50,
        maxLiveReplies: 0,
      };
      const start = process.hrtime.bigint();
      const s = await repo.startTurn(t);
      ts.push(Number(process.hrtime.bigint() - start) / 1e6);
      await finish(repo, s.reply.id);
    }
    ts.sort((a, b) => a - b);
    if (r > 0) medians[key].push(ts[Math.floor(ts.length / 2)]);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const diffs = medians.nobegin.map((x, i) => x - medians.begin[i]);
console.log("per-round startTurn p50 ms, begin:", medians.begin.map((x) => x.toFixed(3)).join(" "));
console.log("per-round startTurn p50 ms, nobegin:", medians.nobegin.map((x) => x.toFixed(3)).join(" "));
console.log(
  `median of rounds: begin ${med(medians.begin).toFixed(3)} nobegin ${med(medians.nobegin).toFixed(3)} diff ${med(diffs).toFixed(3)} (rounds sooner ${diffs.filter((d) => d < 0).length}/${diffs.length})`,
);
await database.pool.query(`DROP DATABASE \`${name}\``);
await database.close();
