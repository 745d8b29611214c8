// Request ids on log lines, carried with the work rather than ambiently: the built service (tracing
// off, the default) puts each RPC's `x-request-id` on the lines its reply's model call writes, two
// concurrent requests never swap ids, and the process never enters an AsyncLocalStorage or enables an
// async hook — whose promise hooks would run on every promise of every stream (docs/benchmarks.md).
import { fileURLToPath } from "node:url";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReply } from "../support/rpc-probes.js";
import {
  simulatedServices,
  type SimulatedService,
  type SimulatedServices,
} from "../support/simulated-services.js";

const hook = fileURLToPath(new URL("../support/record-async-context.mjs", import.meta.url));
let services: SimulatedServices;
let service: SimulatedService;

beforeAll(async () => {
  services = await simulatedServices({ paceMs: 5 });
  service = await services.start({ env: { UPSTREAM_MAX_RETRIES: "0" }, nodeArgs: ["--import", hook] });
});

afterAll(() => services?.close());

const chat = () => service.chat;
const simulator = () => services.simulator;

/** The service's JSON log lines with this message. */
function linesSaying(message: string): Record<string, unknown>[] {
  return service.process
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line["message"] === message);
}

describe("request ids on log lines", () => {
  it("name each RPC on the lines its reply's model call writes, concurrent ones apart", async () => {
    simulator().when("fail for alpha", { fault: { kind: "status", status: 503 } });
    simulator().when("fail for beta", { fault: { kind: "status", status: 503 } });
    const replies = await Promise.all(
      (["alpha", "beta"] as const).map((name) =>
        collectReply(
          chat().sendMessage(
            { userId: `log-${name}`, text: `fail for ${name}` },
            { headers: { "x-request-id": `req-${name}` } },
          ),
        ),
      ),
    );
    for (const reply of replies) expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    const lines = linesSaying("openai unavailable after retries");
    expect(lines.map((line) => line["request_id"]).sort()).toEqual(["req-alpha", "req-beta"]);
  });

  it("never enter an AsyncLocalStorage or enable an async hook (tracing off)", async () => {
    simulator().when("just answer", { deltas: ["Fine", " thanks"] });
    const reply = await collectReply(chat().sendMessage({ userId: "log-quiet", text: "just answer" }));
    expect(reply.text).toBe("Fine thanks");
    expect(service.process.output()).not.toMatch(/^async-context /m);
  });
});
