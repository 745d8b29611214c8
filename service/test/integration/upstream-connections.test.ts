// Connections to the model's server, as the built service keeps them (the real `openai` SDK through
// the service's own undici pool, upstream-agent.ts, to the simulator): the next message reuses the
// last one's connection instead of paying a new handshake; concurrent replies hold one each and leave
// them for the next messages; an idle connection is kept for UPSTREAM_KEEP_ALIVE_MS and no longer.
import type { Client } from "@connectrpc/connect";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReply } from "../support/rpc-probes.js";
import { simulatedServices, type SimulatedServices } from "../support/simulated-services.js";

let services: SimulatedServices;
let simulator: SimulatedServices["simulator"];

beforeAll(async () => {
  // The server would keep an idle connection for 30 s: how long it is kept is the client's choice.
  services = await simulatedServices({ paceMs: 2, keepAliveMs: 30_000 });
  simulator = services.simulator;
});

afterAll(() => services?.close());

async function start(env: Record<string, string> = {}) {
  const service = await services.start({ env });
  await expect.poll(() => simulator.openConnections, { timeout: 10_000 }).toBe(0);
  return { client: service.chat, stop: () => service.process.stop() };
}

async function answered(client: Client<typeof ChatService>, userId: string, text: string) {
  const reply = await collectReply(client.sendMessage({ userId, text }));
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  return reply;
}

const connectionsOf = (from: number) => simulator.requests.slice(from).map((request) => request.connection);

describe("connections to the model's server", () => {
  it("are reused: messages one after another go over one connection, concurrent ones leave theirs for the next", async () => {
    const { client, stop } = await start();
    const first = simulator.requests.length;
    await answered(client, "conn-a", "one");
    await answered(client, "conn-a", "two");
    await answered(client, "conn-b", "three");
    const [one] = connectionsOf(first);
    expect(connectionsOf(first)).toEqual([one, one, one]);

    const before = simulator.requests.length;
    await Promise.all(["p", "q", "r"].map((name) => answered(client, `conn-${name}`, "together")));
    const concurrent = connectionsOf(before);
    expect(new Set(concurrent).size).toBe(3);
    await answered(client, "conn-a", "after them");
    expect(concurrent).toContain(connectionsOf(before).at(-1));
    await stop();
  });

  it("are closed once idle for UPSTREAM_KEEP_ALIVE_MS, and the next message opens a new one", async () => {
    // Node's own pool would keep it 4 s: only this setting can close it within the poll's 3 s.
    const { client } = await start({ UPSTREAM_KEEP_ALIVE_MS: "1000" });
    await answered(client, "conn-idle", "warm it");
    const warm = simulator.requests.at(-1)!.connection;
    await expect.poll(() => simulator.openConnections, { timeout: 3_000 }).toBe(0);
    await answered(client, "conn-idle", "cold again");
    expect(simulator.requests.at(-1)!.connection).toBeGreaterThan(warm);
  });
});
