/**
 * Where row 1's added time goes. Parley composed as main.ts composes it (real MariaDB repository, the
 * per-user limits with row 1's settings, the `openai` SDK to the simulator, tiktoken), with the limits
 * read and the model wrapped to note the CLOCK_MONOTONIC time (process.hrtime, comparable across
 * processes) at three points of each turn: the use case's first query (the limits read), the model call,
 * the model's first delta. The orchestrator notes when it called and when the first delta reached it,
 * and splits each turn into
 *   inbound  client call → the use case's first query (RPC, auth, decoding, validation)
 *   database first query → model call (the limits read, then the turn's transaction up to its checks and
 *            history read; its INSERT and COMMIT run during `upstream` since the model call starts with
 *            them, see turn.ts)
 *   upstream model call → first delta from the model (the SDK's request, as in the baseline)
 *   outbound first model delta → the client has it (job, watcher, Connect, HTTP/2)
 * It also notes each statement of the turn, from the first query to the COMMIT: when mysql2 was asked to
 * send it and when its result was back, which says how much of `database` is the database (and the
 * driver) and how much is JavaScript between statements, and when the COMMIT ends against the model's
 * first delta (the first token waits for both).
 * A diagnostic: it depends on createParley's options, so the orchestrator treats a failure as a note.
 */
import { createDatabase } from "../dist/adapters/mysql/database.js";
import { createMysqlApiKeyStore } from "../dist/adapters/mysql/mysql-api-key-store.js";
import { createMysqlChatRepository } from "../dist/adapters/mysql/mysql-chat-repository.js";
import { createMysqlUserLimitsStore } from "../dist/adapters/mysql/mysql-user-limits-store.js";
import { createMysqlUsageRepository } from "../dist/adapters/mysql/mysql-usage-repository.js";
import { createMysqlSearchRepository } from "../dist/adapters/mysql/mysql-search-repository.js";
import { createMysqlPresetStore } from "../dist/adapters/mysql/mysql-preset-store.js";
import { createMysqlTransferStore } from "../dist/adapters/mysql/mysql-transfer-store.js";
import { createOpenAIChatModel } from "../dist/adapters/openai/openai-chat-model.js";
import { systemClock, uuidV7 } from "../dist/adapters/system-clock.js";
import { createTiktokenTokenCounter } from "../dist/adapters/tiktoken/tiktoken-token-counter.js";
import { createUsageMeter } from "../dist/application/usage/usage-meter.js";
import { createParley } from "../dist/app.js";
import { loadConfig } from "../dist/config.js";
import { benchToken } from "./lib/grpc-load.mjs";
import { serveRpc } from "./lib/ipc.mjs";
import mysql from "mysql2";

// Row 1's service runs with the per-user limits off (bench/lib/service.mjs); their read still runs.
const config = loadConfig({ LIMIT_CONCURRENT_REPLIES: "0", LIMIT_MESSAGES_PER_MINUTE: "0" });
const now = () => String(process.hrtime.bigint());
let marks = [];
/** The turn whose statements are noted: from its first query until its COMMIT is sent. */
let noting = null;

// Every statement of the repository, the transaction's included, goes through the callback connection's
// query (the promise API wraps it); PoolConnection inherits it from Connection.
const query = mysql.Connection.prototype.query;
mysql.Connection.prototype.query = function (sql, values, callback) {
  const text = typeof sql === "string" ? sql : sql.sql;
  if (!noting) return query.call(this, sql, values, callback);
  const statement = { sql: text.slice(0, 40), sent: now(), done: null };
  noting.statements.push(statement);
  if (/^commit/i.test(text)) noting = null;
  const noted =
    (next) =>
    (...args) => {
      statement.done = now();
      return next(...args);
    };
  return typeof values === "function"
    ? query.call(this, sql, noted(values))
    : query.call(this, sql, values, typeof callback === "function" ? noted(callback) : callback);
};

const database = await createDatabase(process.env.DATABASE_URL);
const tokenCounter = createTiktokenTokenCounter("o200k_base");
const meter = createUsageMeter(tokenCounter);
const repository = createMysqlChatRepository(database.db, meter);
const limitsStore = createMysqlUserLimitsStore(database.db);
const timedLimits = {
  ...limitsStore,
  limitsOf: (...args) => {
    noting = { query: now(), statements: [] };
    marks.push(noting);
    return limitsStore.limitsOf(...args);
  },
};
const upstream = createOpenAIChatModel({
  apiKey: "sk-bench",
  baseURL: process.env.SIMULATOR_URL,
  idleTimeoutMs: 30_000,
});
const model = {
  stream(request, signal) {
    const mark = marks.at(-1);
    mark.model = now();
    const events = upstream.stream(request, signal);
    return (async function* () {
      for await (const event of events) {
        mark.first ??= now();
        yield event;
      }
    })();
  },
};
const parley = createParley({
  repository,
  userLimits: { defaults: config.userLimits, store: timedLimits },
  usage: createMysqlUsageRepository(database.db),
  search: createMysqlSearchRepository(database.db),
  meter,
  model,
  tokenCounter,
  clock: systemClock,
  newId: uuidV7,
  logger: { info() {}, warn() {}, error() {} },
  settings: {
    model: config.model,
    limits: { contextWindow: 128_000, maxOutputTokens: config.maxOutputTokens },
    temperature: config.temperature,
    systemPrompt: config.systemPrompt,
    systemPromptTokens: config.systemPrompt === null ? null : tokenCounter.count(config.systemPrompt),
    maxMessageBytes: config.maxMessageBytes,
  },
  authToken: benchToken,
  apiKeys: { store: createMysqlApiKeyStore(database.db), cacheMs: 5_000 },
  presets: createMysqlPresetStore(database.db),
  transfer: { store: createMysqlTransferStore(database.db) },
  corsOrigins: [],
  orphanGraceMs: config.orphanGraceMs,
  progressIntervalMs: config.progressIntervalMs,
  maxRequestBytes: config.maxRequestBytes,
  maxDeadlineMs: config.maxDeadlineMs,
});
const address = await parley.server.listen(0, "127.0.0.1");
serveRpc({
  marks: () => {
    const taken = marks;
    marks = [];
    return taken;
  },
});
process.once(
  "SIGTERM",
  () =>
    void parley
      .shutdown(0)
      .then(() => database.close())
      .then(() => process.exit(0)),
);
process.stdout.write(`{"port":${address.port}}\n`);
