/**
 * WatchChat across two service processes on one MariaDB and one Redis: a reply written on replica A
 * shows typing live in a watch of the chat on replica B (started, the whole text, finished), and a rename
 * on A reaches it too; so do a regenerated and an edited reply (each naming the user message it answers)
 * and a branch switch made on A.
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
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `);

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

  it("a regenerated and an edited reply on A stream into the watch on B, then a branch switch on A", async () => {
    const [a, b] = await Promise.all([cluster.replica(), cluster.replica()]);
    cluster.simulator.script({ text: "First.", paceMs: 0 });
    const first = await collectReply(chatOn(a).sendMessage({ userId, text: "Branch from A" }));
    const chatId = first.started!.chatId;
    const watch = await watchChat(chatOn(b), userId, chatId);

    cluster.simulator.script({ deltas: words(20, "g"), paceMs: 10 });
    const regenerated = await collectReply(chatOn(a).regenerateReply({ userId, chatId }));
    await expect.poll(() => watch.replies[0]?.finished, wait).toBeDefined();
    cluster.simulator.script({ deltas: words(20, "e"), paceMs: 10 });
    const edited = await collectReply(
      chatOn(a).editMessage({ userId, chatId, messageId: first.started!.userMessageId, text: "Edited on A" }),
    );
    await expect.poll(() => watch.replies[1]?.finished, wait).toBeDefined();
    const complete = expect.objectContaining({ status: ReplyStatus.COMPLETE });
    expect(watch.replies).toEqual([
      {
        replyId: regenerated.started!.replyId,
        userMessageId: first.started!.userMessageId,
        text: words(20, "g").join(""),
        contiguous: true,
        finished: complete,
      },
      {
        replyId: edited.started!.replyId,
        userMessageId: edited.started!.userMessageId,
        text: words(20, "e").join(""),
        contiguous: true,
        finished: complete,
      },
    ]);

    const switched = await chatOn(a).setActiveBranch({ userId, chatId, messageId: first.started!.replyId });
    expect(switched.leafId).toBe(first.started!.replyId);
    await expect.poll(() => watch.events.at(-1), wait).toBe(`branch ${first.started!.replyId}`);
    expect((await chatOn(b).getChat({ userId, chatId })).leafId).toBe(first.started!.replyId);
    await watch.close();
    expect(watch.error).toBeUndefined();
  });
});
