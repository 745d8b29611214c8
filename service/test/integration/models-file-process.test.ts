// The service process configured by MODELS_FILE: two simulators on their own ports are two providers,
// each key read from the environment variable the file names and sent to its provider only; a bad file
// stops the start with a line naming the entry.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { ModelService } from "@parley/gen/parley/models/v1/models_pb";
import { bearerAuth, startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulator, type Simulator } from "../../src/simulator/simulator.js";
import { collectReply } from "../support/rpc-probes.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

const token = "models-file-token";
const directory = mkdtempSync(join(tmpdir(), "parley-models-file-"));
let database: TestDatabase;
let providerA: Simulator;
let providerB: Simulator;
let service: ServiceProcess;

function writeModelsFile(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

const start = (modelsFile: string) =>
  startServiceProcess({
    env: {
      DATABASE_URL: database.url,
      AUTH_TOKEN: token,
      MODELS_FILE: modelsFile,
      PROVIDER_A_KEY: "secret-a",
      PROVIDER_B_KEY: "secret-b",
      // Each provider's requests are counted exactly: no title requests after the first answers.
      TITLE_MODEL: "off",
    },
  });

beforeAll(async () => {
  database = await createTestDatabase();
  providerA = createSimulator({ paceMs: 0 });
  providerB = createSimulator({ paceMs: 0 });
  const [urlA, urlB] = await Promise.all([
    providerA.listen(0, "127.0.0.1"),
    providerB.listen(0, "127.0.0.1"),
  ]);
  const file = writeModelsFile("models.json", {
    providers: [
      { id: "a", baseUrl: urlA, apiKeyEnv: "PROVIDER_A_KEY" },
      { id: "b", baseUrl: urlB, apiKeyEnv: "PROVIDER_B_KEY" },
    ],
    models: [
      { id: "fast", provider: "a", upstreamModel: "gpt-4o-mini", displayName: "Fast" },
      {
        id: "local",
        provider: "b",
        upstreamModel: "llama-local",
        contextWindow: 4096,
        encoding: "cl100k_base",
      },
    ],
  });
  service = await start(file);
});

afterAll(async () => {
  await service?.stop();
  await providerA?.close();
  await providerB?.close();
  await database?.drop();
});

const transport = () => createGrpcTransport({ baseUrl: service.baseUrl, interceptors: [bearerAuth(token)] });
const seen = (simulator: Simulator) =>
  simulator.requests
    .filter((r) => r.path === "/v1/chat/completions")
    .map((r) => [r.headers.authorization, (r.body as { model: string }).model]);

describe("a service configured by MODELS_FILE", () => {
  it("lists the file's models and sends each chat to its provider with that provider's key only", async () => {
    const models = await createClient(ModelService, transport()).listModels({});
    expect(models.models.map((m) => [m.id, m.providerId, m.contextWindow, m.encoding])).toEqual([
      ["fast", "a", 128_000, "o200k_base"],
      ["local", "b", 4096, "cl100k_base"],
    ]);

    const chat = createClient(ChatService, transport());
    const local = await collectReply(
      chat.sendMessage({ userId: "ada", text: "Hello there", model: "local" }),
    );
    expect(local.finished?.status).toBe(ReplyStatus.COMPLETE);
    expect(local.text).toMatch(/^\*\(simulated reply by llama-local: /);
    const fast = await collectReply(chat.sendMessage({ userId: "ada", text: "And you?" }));
    expect(fast.started?.model).toBe("fast");
    expect(seen(providerB)).toEqual([["Bearer secret-b", "llama-local"]]);
    expect(seen(providerA)).toEqual([["Bearer secret-a", "gpt-4o-mini"]]);
  });

  it("refuses to start with a bad file, naming the entry", async () => {
    const bad = writeModelsFile("bad.json", {
      providers: [{ id: "a", baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: "NOT_SET_ANYWHERE" }],
      models: [{ id: "m", provider: "nobody", contextWindow: 4096 }],
    });
    const failure = await start(bad).then(
      () => new Error("the service started"),
      (error: unknown) => error as Error,
    );
    expect(failure.message).toContain("the service exited (1) before listening");
    expect(failure.message).toContain(
      `provider \\"a\\": its key's environment variable NOT_SET_ANYWHERE is not set`,
    );
    expect(failure.message).toContain(`model \\"m\\": its provider \\"nobody\\" is not among the providers`);
  });
});
