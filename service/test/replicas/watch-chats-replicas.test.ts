/**
 * WatchChats across two service processes on one MariaDB and one Redis: a change made on one replica
 * reaches the user's watch on the other; a Redis cut tells the watch to list again (`resync`) once Redis
 * is back, and events flow again after it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth, startTcpProxy, type ServiceProcess, type TcpProxy } from "@parley/test-support";
import { testRedisAddress, testRedisUrlViaPort } from "../support/redis.js";
import { watchChatList } from "../support/chat-list-watch.js";
import { collectReply } from "../support/rpc-probes.js";
import { useReplicaCluster } from "./replica-cluster.js";

const token = "watch-chats-replicas-token";
const cluster = useReplicaCluster({ AUTH_TOKEN: token });
const wait = { timeout: 10_000 };

const chatOn = (service: ServiceProcess) =>
  createClient(
    ChatService,
    createConnectTransport({ baseUrl: service.baseUrl, httpVersion: "2", interceptors: [bearerAuth(token)] }),
  );

async function newChat(service: ServiceProcess, userId: string, text: string) {
  cluster.simulator.script({ text: "Sure.", paceMs: 0 });
  const reply = await collectReply(chatOn(service).sendMessage({ userId, text }));
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  return reply.started!.chatId;
}

describe("WatchChats across replicas", () => {
  it("a chat created, renamed and deleted on A shows in the user's watch on B, and nowhere else", async () => {
    const [a, b] = await Promise.all([cluster.replica(), cluster.replica()]);
    const watch = await watchChatList(chatOn(b), "replica-owner");
    const other = await watchChatList(chatOn(b), "replica-other");

    const chatId = await newChat(a, "replica-owner", "Hello from A");
    await expect.poll(() => watch.events, wait).toContain(`created ${chatId} Hello from A`);
    await chatOn(a).renameChat({ userId: "replica-owner", chatId, title: "Renamed on A" });
    await expect.poll(() => watch.events.at(-1), wait).toBe(`updated ${chatId} Renamed on A`);
    await chatOn(a).deleteChat({ userId: "replica-owner", chatId });
    await expect.poll(() => watch.events.at(-1), wait).toBe(`deleted ${chatId}`);

    await Promise.all([watch.close(), other.close()]);
    expect(other.events).toEqual(["ready"]);
  });
});

describe("a Redis cut", () => {
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it("tells the watch to resync once Redis is back; later changes reach it again", async () => {
    const { host, port } = testRedisAddress();
    proxy = await startTcpProxy(port, host);
    const viaProxy = { REDIS_URL: testRedisUrlViaPort(proxy.port) };
    const [a, b] = await Promise.all([cluster.replica(viaProxy), cluster.replica(viaProxy)]);
    const chatId = await newChat(a, "cut-owner", "Before the cut");
    const watch = await watchChatList(chatOn(b), "cut-owner");

    await proxy.cut();
    await chatOn(a).renameChat({ userId: "cut-owner", chatId, title: "During the cut" });
    await proxy.restore();
    await expect.poll(() => watch.events, wait).toContain("resync");

    await expect
      .poll(async () => {
        await chatOn(a).renameChat({ userId: "cut-owner", chatId, title: "After the cut" });
        return watch.events.at(-1);
      }, wait)
      .toBe(`updated ${chatId} After the cut`);
    await watch.close();
    expect(watch.error).toBeUndefined();
  });
});
