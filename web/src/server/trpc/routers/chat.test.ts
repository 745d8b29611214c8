/**
 * The chat router against a fake chat service (Connect's router transport, no process, no database):
 * what it asks the service for, on whose behalf, and what it refuses before asking. The real-service
 * tests in test/integration prove the same router end to end.
 */
import { create } from "@bufbuild/protobuf";
import {
  ChatSchema,
  GetChatResponseSchema,
  ListChatsResponseSchema,
  RenameChatResponseSchema,
  ReplyEventSchema,
  ReplyStatus,
} from "@parley/gen/parley/chat/v1/chat_pb";
import { isTrackedEnvelope } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { maxMessageBytes, maxTitleLength } from "~/lib/limits";
import { createFakeChatService, fakeServiceCaller } from "../../../../test/support/fake-chat-service";
import { collect, rejection } from "../../../../test/support/trpc-probes";

const aChat = create(ChatSchema, { id: "c1", title: "A chat", model: "m" });
const started = create(ReplyEventSchema, {
  kind: { case: "started", value: { chatId: "c1", replyId: "r1", userMessageId: "u1", model: "m" } },
});
const delta = (text: string, offset: number) =>
  create(ReplyEventSchema, { kind: { case: "delta", value: { text, offset } } });
const finished = (length: number) =>
  create(ReplyEventSchema, {
    kind: { case: "finished", value: { status: ReplyStatus.COMPLETE, length, finishReason: "stop" } },
  });

describe("chat router → service requests", () => {
  it("lists and reads chats as the signed-in user, with the page sizes the router owns", async () => {
    const fake = createFakeChatService({
      listChats: () => create(ListChatsResponseSchema, { chats: [aChat], nextPageToken: "next" }),
      getChat: () => create(GetChatResponseSchema, { chat: aChat, nextPageToken: "" }),
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    expect(await caller.chat.list({ limit: 5, cursor: "page-2" })).toMatchObject({
      chats: [{ id: "c1", title: "A chat" }],
      nextCursor: "next",
    });
    expect(await caller.chat.get({ chatId: "c1" })).toMatchObject({ chat: { id: "c1" }, olderCursor: null });
    expect(fake.calls).toMatchObject([
      { method: "listChats", request: { userId: "web:alice", pageSize: 5, pageToken: "page-2" } },
      { method: "getChat", request: { chatId: "c1", userId: "web:alice", pageSize: 50, pageToken: "" } },
    ]);
  });

  it("renames with the title trimmed; a title at the limit goes through, one past it never reaches the service", async () => {
    const fake = createFakeChatService({
      renameChat: (request) => create(RenameChatResponseSchema, { chat: { ...aChat, title: request.title } }),
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");
    const atLimit = "t".repeat(maxTitleLength);

    expect(await caller.chat.rename({ chatId: "c1", title: `  ${atLimit}  ` })).toMatchObject({
      title: atLimit,
    });
    const refused = [
      caller.chat.rename({ chatId: "c1", title: "t".repeat(maxTitleLength + 1) }),
      caller.chat.rename({ chatId: "c1", title: "   " }),
      caller.chat.rename({ chatId: "../etc/passwd", title: "x" }),
    ];
    for (const attempt of refused) expect((await rejection(attempt)).code).toBe("BAD_REQUEST");
    expect(fake.calls).toEqual([
      { method: "renameChat", request: expect.objectContaining({ chatId: "c1", title: atLimit }) },
    ]);
  });

  it("sends a message at the length limit; a longer or blank one never reaches the service", async () => {
    const fake = createFakeChatService({
      async *sendMessage() {
        yield { event: started };
        yield { event: finished(0) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");
    const atLimit = "m".repeat(maxMessageBytes);

    expect((await collect(await caller.chat.send({ text: atLimit }))).map(({ id }) => id)).toEqual([
      "r1:0",
      "r1:0",
    ]);
    for (const text of ["m".repeat(maxMessageBytes + 1), " \n "]) {
      expect((await rejection(caller.chat.send({ text }))).code).toBe("BAD_REQUEST");
    }
    expect(fake.calls.map(({ method }) => method)).toEqual(["sendMessage"]);
    expect(fake.calls[0]!.request).toMatchObject({ chatId: "", userId: "web:alice", text: atLimit });
  });

  it("passes the browser's request id on to SendMessage, and refuses a malformed one", async () => {
    const fake = createFakeChatService({
      async *sendMessage() {
        yield { event: started };
        yield { event: finished(0) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");
    const requestId = "0b8e7a52-6f1e-4b7e-9a39-2f0c1d7e5a11";
    await collect(await caller.chat.send({ text: "Hello", requestId }));
    await collect(await caller.chat.send({ text: "Hello" }));
    for (const bad of ["x".repeat(65), "has space", ""]) {
      expect((await rejection(caller.chat.send({ text: "Hello", requestId: bad }))).code).toBe("BAD_REQUEST");
    }
    expect(fake.calls.map(({ request }) => (request as { requestId: string }).requestId)).toEqual([
      requestId,
      "",
    ]);
  });

  it("resumes a dropped send from its last event id with WatchReply, never sending the message again", async () => {
    const fake = createFakeChatService({
      async *watchReply() {
        yield { event: started };
        yield { event: delta("world", 6) };
        yield { event: finished(11) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    const events = await collect(await caller.chat.send({ text: "Hello", lastEventId: "r1:6" }));
    expect(events.map(({ id }) => id)).toEqual(["r1:6", "r1:11", "r1:11"]);
    expect(fake.calls).toEqual([
      {
        method: "watchReply",
        request: expect.objectContaining({ replyId: "r1", userId: "web:alice", fromOffset: 6 }),
      },
    ]);
  });

  it("watches from the last event id of the same reply, else from the offset the page asks for", async () => {
    const fake = createFakeChatService({
      async *watchReply() {
        yield { event: finished(9) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    await collect(await caller.chat.watch({ replyId: "r1", fromOffset: 2, lastEventId: "r1:7" }));
    await collect(await caller.chat.watch({ replyId: "r1", fromOffset: 2, lastEventId: "r2:9" }));
    await collect(await caller.chat.watch({ replyId: "r1", fromOffset: 3 }));
    expect(fake.calls.map(({ request }) => (request as { fromOffset: number }).fromOffset)).toEqual([
      7, 2, 3,
    ]);
  });

  it("cancels the service's stream when the browser goes away", async () => {
    let serviceSignal: AbortSignal | undefined;
    const fake = createFakeChatService({
      async *sendMessage(_request, context) {
        serviceSignal = context.signal;
        yield { event: started };
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      },
    });
    const tab = new AbortController();
    const caller = await fakeServiceCaller(fake.chat, "alice", tab.signal);
    const events = await caller.chat.send({ text: "I will leave" });
    for await (const item of events) {
      expect(isTrackedEnvelope(item)).toBe(true);
      break;
    }
    tab.abort();
    await expect.poll(() => serviceSignal?.aborted).toBe(true);
  });

  it("asks nothing of the service for a signed-out caller", async () => {
    const fake = createFakeChatService({});
    const caller = await fakeServiceCaller(fake.chat, null);
    const attempts: Promise<unknown>[] = [
      caller.chat.list(),
      caller.chat.get({ chatId: "c1" }),
      caller.chat.rename({ chatId: "c1", title: "t" }),
      caller.chat.delete({ chatId: "c1" }),
      caller.chat.stop({ replyId: "r1" }),
      caller.chat.send({ text: "hi" }).then(collect),
      caller.chat.watch({ replyId: "r1", fromOffset: 0 }).then(collect),
    ];
    for (const attempt of attempts) expect((await rejection(attempt)).code).toBe("UNAUTHORIZED");
    expect(fake.calls).toEqual([]);
  });
});
