// WatchChat end to end (Connect over HTTP/2, MariaDB, the simulator): one chat, live — its summary, the
// reply being written (from its start), each new reply (regenerated and edited ones too), branch
// switches, renames and the delete; the owner's chats only.
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ReplyStatus, type ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { watchChat } from "../support/chat-watch.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode } from "../support/rpc-probes.js";

const wait = { timeout: 10_000 };
const words = (n: number, tag = "w") => Array.from({ length: n }, (_, i) => `${tag}${i} `);

let harness: Harness;
let client: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley({ chatWatches: { maxWatchesPerUser: 2, maxPendingPerWatch: 16 } });
  client = harness.client("connect-h2");
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

const aUser = () => `watch-chat-${randomUUID()}`;

async function send(userId: string, text: string, chatId?: string) {
  const reply = await collectReply(client.sendMessage({ userId, text, ...(chatId && { chatId }) }));
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  const { replyId, userMessageId } = reply.started!;
  return { chatId: reply.started!.chatId, replyId, userMessageId, text: reply.text };
}

describe("WatchChat", () => {
  it("on an idle chat, tells the next reply's start, text and end, then the one after", async () => {
    const userId = aUser();
    const { chatId } = await send(userId, "Hello");
    const watch = await watchChat(client, userId, chatId);

    harness.simulator.script({ deltas: words(20, "a"), paceMs: 5 });
    const second = await send(userId, "Count", chatId);
    await expect.poll(() => watch.replies.at(-1)?.finished, wait).toBeDefined();
    harness.simulator.script({ deltas: words(10, "b"), paceMs: 5 });
    const third = await send(userId, "Again", chatId);
    await expect.poll(() => watch.replies.length === 2 && watch.replies[1]!.finished, wait).toBeTruthy();

    expect(second.text).toBe(words(20, "a").join(""));
    expect(third.text).toBe(words(10, "b").join(""));
    expect(
      watch.replies.map(({ replyId, text, contiguous, finished }) => [
        replyId,
        text,
        contiguous,
        finished?.status,
      ]),
    ).toEqual([
      [second.replyId, second.text, true, ReplyStatus.COMPLETE],
      [third.replyId, third.text, true, ReplyStatus.COMPLETE],
    ]);
    // Each reply: started, deltas, finished, in that order (chat updates may come between them).
    const replyEvents = watch.events.filter((event) => !event.startsWith("chat "));
    expect(replyEvents[0]).toBe(`started ${second.replyId}`);
    expect(replyEvents.indexOf(`finished ${second.replyId}`)).toBeLessThan(
      replyEvents.indexOf(`started ${third.replyId}`),
    );
    expect(replyEvents.at(-1)).toBe(`finished ${third.replyId}`);
    expect(watch.events[0]).toBe("chat Hello");
    await watch.close();
    expect(watch.error).toBeUndefined();
    await expect.poll(() => harness.parley.openChatWatches(userId)).toBe(0);
  });

  it("opened mid-reply, starts with `started` and the text so far, then the live rest", async () => {
    const userId = aUser();
    const { chatId } = await send(userId, "Hello");
    const deltas = words(40);
    harness.simulator.script({ deltas, paceMs: 15 });
    const iterator = client.sendMessage({ userId, chatId, text: "Count" })[Symbol.asyncIterator]();
    const senderEvents: ReplyEvent["kind"][] = [];
    while (senderEvents.filter((event) => event.case === "delta").length < 5) {
      const next = await iterator.next();
      if (next.done) break;
      senderEvents.push(next.value.event!.kind);
    }
    const watch = await watchChat(client, userId, chatId);
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      senderEvents.push(next.value.event!.kind);
    const senderText = senderEvents.map((event) => (event.case === "delta" ? event.value.text : "")).join("");
    const started = senderEvents[0]?.case === "started" ? senderEvents[0].value : undefined;

    await expect.poll(() => watch.replies[0]?.finished, wait).toBeDefined();
    expect(senderText).toBe(deltas.join(""));
    expect(watch.events.slice(0, 2)).toEqual(["chat Hello", `started ${started?.replyId}`]);
    expect(watch.replies).toEqual([
      expect.objectContaining({ replyId: started?.replyId, text: senderText, contiguous: true }),
    ]);
    expect(watch.replies[0]!.finished?.status).toBe(ReplyStatus.COMPLETE);
    await watch.close();
  });

  it("tells another client's RegenerateReply and EditMessage replies, then its branch switches", async () => {
    const userId = aUser();
    const first = await send(userId, "Hello");
    const { chatId } = first;
    const second = await send(userId, "Count", chatId);
    const watch = await watchChat(client, userId, chatId);
    const other = harness.client("grpc");

    harness.simulator.script({ deltas: words(15, "r"), paceMs: 5 });
    const regenerated = await collectReply(other.regenerateReply({ userId, chatId }));
    await expect.poll(() => watch.replies[0]?.finished, wait).toBeDefined();
    harness.simulator.script({ deltas: words(12, "e"), paceMs: 5 });
    const edited = await collectReply(
      other.editMessage({ userId, chatId, messageId: first.userMessageId, text: "Hello, edited" }),
    );
    await expect.poll(() => watch.replies[1]?.finished, wait).toBeDefined();
    const complete = expect.objectContaining({ status: ReplyStatus.COMPLETE });
    expect(watch.replies).toEqual([
      {
        replyId: regenerated.started!.replyId,
        userMessageId: second.userMessageId, // the message answered again
        text: words(15, "r").join(""),
        contiguous: true,
        finished: complete,
      },
      {
        replyId: edited.started!.replyId,
        userMessageId: edited.started!.userMessageId, // the new version
        text: words(12, "e").join(""),
        contiguous: true,
        finished: complete,
      },
    ]);
    expect(edited.started!.userMessageId).not.toBe(first.userMessageId);

    // Back to the first version (its newest leaf: the regenerated answer), then to the older answer.
    const switched = await other.setActiveBranch({ userId, chatId, messageId: first.userMessageId });
    expect(switched.leafId).toBe(regenerated.started!.replyId);
    await expect.poll(() => watch.events.at(-1), wait).toBe(`branch ${regenerated.started!.replyId}`);
    await other.setActiveBranch({ userId, chatId, messageId: second.replyId });
    await expect.poll(() => watch.events.at(-1), wait).toBe(`branch ${second.replyId}`);
    expect(watch.events.filter((event) => !event.startsWith("chat ") && event !== "delta")).toEqual([
      `started ${regenerated.started!.replyId}`,
      `finished ${regenerated.started!.replyId}`,
      `started ${edited.started!.replyId}`,
      `finished ${edited.started!.replyId}`,
      `branch ${regenerated.started!.replyId}`,
      `branch ${second.replyId}`,
    ]);
    await watch.close();
    expect(watch.error).toBeUndefined();
  });

  it("tells a rename, then the delete, which ends the stream cleanly", async () => {
    const userId = aUser();
    const { chatId } = await send(userId, "Hello");
    const watch = await watchChat(client, userId, chatId);
    await client.renameChat({ userId, chatId, title: "Trip" });
    await expect.poll(() => watch.events.at(-1), wait).toBe("chat Trip");
    await client.deleteChat({ userId, chatId });
    await watch.ended;
    expect(watch.events).toEqual(["chat Hello", "chat Trip", `deleted ${chatId}`]);
    expect(watch.error).toBeUndefined();
    await expect.poll(() => harness.parley.openChatWatches(userId)).toBe(0);
  });

  it("is NOT_FOUND for another user's chat or no chat, and bounded with WatchChats", async () => {
    const [owner, other] = [aUser(), aUser()];
    const { chatId } = await send(owner, "Mine");
    for (const [userId, id] of [
      [other, chatId],
      [owner, randomUUID()],
    ] as const) {
      const refused = await watchChat(client, userId, id, false);
      await refused.ended;
      expect(refused.error?.code).toBe(Code.NotFound);
      expect(refused.events).toEqual([]);
    }
    await expectCode(() => client.getChat({ userId: other, chatId }), Code.NotFound);

    const open = [await watchChat(client, owner, chatId), await watchChat(client, owner, chatId)];
    const third = await watchChat(client, owner, chatId, false);
    await third.ended;
    expect(third.error?.code).toBe(Code.ResourceExhausted);
    await Promise.all(open.map((watch) => watch.close()));
    await expect.poll(() => harness.parley.openChatWatches(owner)).toBe(0);
    await expect.poll(() => harness.parley.openChatWatches(other)).toBe(0);
  });
});
