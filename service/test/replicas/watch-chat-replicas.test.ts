/**
 * WatchChat across two service processes on one MariaDB and one Redis: a reply written on replica A
 * shows typing live in a watch of the chat on replica B (started, the whole text, finished), and a rename
 * on A reaches it too.
 */
import { describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth, type ServiceProcess } from "@parley/test-support";
import { watchChat } from "../support/chat-watch.js";
import { collectReply } from "../support/rpc-probes.js";
import { useReplicaCluster } from "./replica-cluster.js";

const token = "watch-chat-replicas-token";
const cluster = useReplicaCluster({ AUTH_TOKEN: token });
const wait = { timeout: 10_000 };
const userId = "watch-chat-replica-owner";

const chatOn = (service: ServiceProcess) =>
  createClient(
    ChatService,
    createConnectTransport({ baseUrl: service.baseUrl, httpVersion: "2", interceptors: [bearerAuth(token)] }),
  );

describe("WatchChat across replicas", () => {
  it("a reply written on A streams live into the chat's watch on B, then a rename on A", async () => {
    const [a, b] = await Promise.all([cluster.replica(), cluster.replica()]);
    cluster.simulator.script({ text: "Sure.", paceMs: 0 });
    const first = await collectReply(chatOn(a).sendMessage({ userId, text: "Hello from A" }));
    const chatId = first.started!.chatId;
    const watch = await watchChat(chatOn(b), userId, chatId);

    const deltas = Array.from({ length: 30 }, (_, i) => `r${i} `);
    cluster.simulator.script({ deltas, paceMs: 10 });
    const reply = await collectReply(chatOn(a).sendMessage({ userId, chatId, text: "Count on A" }));
    expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
    await expect.poll(() => watch.replies[0]?.finished, wait).toBeDefined();
    expect(watch.replies).toEqual([
      expect.objectContaining({ replyId: reply.started!.replyId, text: deltas.join(""), contiguous: true }),
    ]);
    expect(reply.text).toBe(deltas.join(""));

    await chatOn(a).renameChat({ userId, chatId, title: "Renamed on A" });
    await expect.poll(() => watch.events.at(-1), wait).toBe("chat Renamed on A");
    await watch.close();
    expect(watch.error).toBeUndefined();
  });
});
