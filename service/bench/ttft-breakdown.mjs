/**
 * Where row 1's added time goes. Parley composed as main.ts composes it (real MariaDB repository, the
 * `openai` SDK to the simulator, tiktoken), with the repository and the model wrapped to note the
 * CLOCK_MONOTONIC time (process.hrtime, comparable across processes) at four points of each turn:
 * the chat lookup starting, the model call, the model's first delta. The orchestrator notes when it
 * called and when the first delta reached it, and splits each turn into
 *   inbound  client call → the use case's first query (RPC, auth, decoding, validation)
 *   database first query → model call (the turn's transaction up to its checks and history read; its
 *            INSERT and COMMIT run during `upstream` since the model call starts with them, see turn.ts)
 *   upstream model call → first delta from the model (the SDK's request, as in the baseline)
 *   outbound first model delta → the client has it (job, watcher, Connect, HTTP/2)
 * A diagnostic: it depends on createParley's options, so the orchestrator treats a failure as a note.
 */
import { createDatabase } from "../dist/adapters/mysql/database.js";
import { createMysqlApiKeyStore } from "../dist/adapters/mysql/mysql-api-key-store.js";
import { createMysqlChatRepository } from "../dist/adapters/mysql/mysql-chat-repository.js";
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

const config = loadConfig({});
const now = () => String(process.hrtime.bigint());
let marks = [];

const database = await createDatabase(process.env.DATABASE_URL);
const tokenCounter = createTiktokenTokenCounter("o200k_base");
const meter = createUsageMeter(tokenCounter);
const repository = createMysqlChatRepository(database, meter);
const timed = {
  ...repository,
  startTurn: (...args) => {
    marks.push({ query: now() });
    return repository.startTurn(...args);
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
  repository: timed,
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
