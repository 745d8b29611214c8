/**
 * The branch procedures against a fake chat service: regenerate and edit ask the service for the turn and
 * relay it as send does (tracked ids, resume with WatchReply, the request id passed on), setActiveBranch
 * returns the new leaf, and GetChat's tree fields reach the browser's types.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import {
  ChatSchema,
  GetChatResponseSchema,
  MessageSchema,
  ReplyEventSchema,
  ReplyStatus,
  Role,
  SetActiveBranchResponseSchema,
} from "@parley/gen/parley/chat/v1/chat_pb";
import { describe, expect, it } from "vitest";
import { maxMessageBytes } from "~/lib/limits";
import { createFakeChatService, fakeServiceCaller } from "../../../../test/support/fake-chat-service";
import { collect, rejection } from "../../../../test/support/trpc-probes";

const started = create(ReplyEventSchema, {
  kind: { case: "started", value: { chatId: "c1", replyId: "r2", userMessageId: "u1", model: "m" } },
});
const delta = (text: string, offset: number) =>
  create(ReplyEventSchema, { kind: { case: "delta", value: { text, offset } } });
const finished = (length: number) =>
  create(ReplyEventSchema, {
    kind: { case: "finished", value: { status: ReplyStatus.COMPLETE, length, finishReason: "stop" } },
  });
const requestId = "0b8e7a52-6f1e-4b7e-9a39-2f0c1d7e5a11";

function refusal(code: Code, reason: string) {
  const info = create(ErrorInfoSchema, { reason, domain: "parley" });
  return new ConnectError("the service's own words", code, undefined, [
    { desc: ErrorInfoSchema, value: info },
  ]);
}

describe("chat.regenerate and chat.edit", () => {
  it("regenerate asks RegenerateReply for the named reply and relays its events with tracked ids", async () => {
    const fake = createFakeChatService({
      async *regenerateReply() {
        yield { event: started };
        yield { event: delta("Hello", 0) };
        yield { event: finished(5) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    const events = await collect(await caller.chat.regenerate({ chatId: "c1", messageId: "r1", requestId }));
    expect(events.map(({ id }) => id)).toEqual(["r2:0", "r2:5", "r2:5"]);
    expect(events.map(({ event }) => event.type)).toEqual(["started", "delta", "finished"]);
    expect(fake.calls).toEqual([
      {
        method: "regenerateReply",
        request: expect.objectContaining({
          chatId: "c1",
          userId: "web:alice",
          messageId: "r1",
          model: "",
          requestId,
        }),
      },
    ]);
  });

  it("edit sends the new text for the named message; a blank or over-long text never reaches the service", async () => {
    const fake = createFakeChatService({
      async *editMessage() {
        yield { event: started };
        yield { event: finished(0) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");
    const atLimit = "e".repeat(maxMessageBytes);

    const events = await collect(
      await caller.chat.edit({ chatId: "c1", messageId: "u1", text: atLimit, model: "m2", requestId }),
    );
    expect(events.map(({ id }) => id)).toEqual(["r2:0", "r2:0"]);
    for (const text of ["e".repeat(maxMessageBytes + 1), "  \n "]) {
      expect((await rejection(caller.chat.edit({ chatId: "c1", messageId: "u1", text }))).code).toBe(
        "BAD_REQUEST",
      );
    }
    expect(fake.calls).toEqual([
      {
        method: "editMessage",
        request: expect.objectContaining({
          chatId: "c1",
          userId: "web:alice",
          messageId: "u1",
          text: atLimit,
          model: "m2",
          requestId,
        }),
      },
    ]);
  });

  it("resumes a dropped regenerate or edit from its last event id with WatchReply, never starting it again", async () => {
    const fake = createFakeChatService({
      async *watchReply() {
        yield { event: delta("lo", 3) };
        yield { event: finished(5) };
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    const regenerated = await collect(
      await caller.chat.regenerate({ chatId: "c1", messageId: "r1", lastEventId: "r2:3" }),
    );
    const edited = await collect(
      await caller.chat.edit({ chatId: "c1", messageId: "u1", text: "Hi", lastEventId: "r2:3" }),
    );
    for (const events of [regenerated, edited]) expect(events.map(({ id }) => id)).toEqual(["r2:5", "r2:5"]);
    expect(
      fake.calls.map(({ method, request }) => [method, (request as { fromOffset: number }).fromOffset]),
    ).toEqual([
      ["watchReply", 3],
      ["watchReply", 3],
    ]);
  });

  it("maps the service's refusals to tRPC codes with words for people", async () => {
    const fake = createFakeChatService({
      // eslint-disable-next-line require-yield
      async *regenerateReply() {
        throw refusal(Code.FailedPrecondition, "reply.in_progress");
      },
      // eslint-disable-next-line require-yield
      async *editMessage(request) {
        throw request.messageId === "gone"
          ? refusal(Code.NotFound, "message.not_found")
          : refusal(Code.InvalidArgument, "message.not_editable");
      },
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    const busy = await rejection(collect(await caller.chat.regenerate({ chatId: "c1", messageId: "r1" })));
    expect([busy.code, busy.message]).toEqual([
      "CONFLICT",
      "This chat is still answering. Wait for the answer or stop it, then try again.",
    ]);
    const gone = await rejection(
      collect(await caller.chat.edit({ chatId: "c1", messageId: "gone", text: "x" })),
    );
    expect([gone.code, gone.message]).toEqual([
      "NOT_FOUND",
      "That message is no longer in this chat. Reload the chat to see its latest state.",
    ]);
    const reply = await rejection(
      collect(await caller.chat.edit({ chatId: "c1", messageId: "r1", text: "x" })),
    );
    expect([reply.code, reply.message]).toEqual([
      "BAD_REQUEST",
      "Only your own messages can be edited. To get another answer, regenerate it.",
    ]);
  });
});

describe("chat.setActiveBranch and the tree in chat.get", () => {
  it("switches the branch as the signed-in user and returns the new leaf", async () => {
    const fake = createFakeChatService({
      setActiveBranch: () => create(SetActiveBranchResponseSchema, { leafId: "r9" }),
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    expect(await caller.chat.setActiveBranch({ chatId: "c1", messageId: "u2" })).toEqual({ leafId: "r9" });
    expect((await rejection(caller.chat.setActiveBranch({ chatId: "c1", messageId: "../x" }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(fake.calls).toEqual([
      {
        method: "setActiveBranch",
        request: expect.objectContaining({ chatId: "c1", userId: "web:alice", messageId: "u2" }),
      },
    ]);
  });

  it("reads the path to a given leaf, with each message's parent and siblings", async () => {
    const fake = createFakeChatService({
      getChat: () =>
        create(GetChatResponseSchema, {
          chat: create(ChatSchema, { id: "c1", title: "A chat", model: "m" }),
          leafId: "r2",
          messages: [
            create(MessageSchema, { id: "u1", role: Role.USER, content: "Hi", siblingCount: 1 }),
            create(MessageSchema, {
              id: "r2",
              role: Role.ASSISTANT,
              content: "Hello again",
              status: ReplyStatus.COMPLETE,
              parentId: "u1",
              siblingCount: 3,
              siblingIndex: 1,
              previousSiblingId: "r1",
              nextSiblingId: "r3",
            }),
          ],
        }),
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    const page = await caller.chat.get({ chatId: "c1", leafId: "r2" });
    expect(page.leafId).toBe("r2");
    expect(
      page.messages.map(({ id, parentId, siblingCount, siblingIndex, previousSiblingId, nextSiblingId }) => ({
        id,
        parentId,
        siblingCount,
        siblingIndex,
        previousSiblingId,
        nextSiblingId,
      })),
    ).toEqual([
      {
        id: "u1",
        parentId: null,
        siblingCount: 1,
        siblingIndex: 0,
        previousSiblingId: null,
        nextSiblingId: null,
      },
      {
        id: "r2",
        parentId: "u1",
        siblingCount: 3,
        siblingIndex: 1,
        previousSiblingId: "r1",
        nextSiblingId: "r3",
      },
    ]);
    expect(fake.calls).toEqual([
      { method: "getChat", request: expect.objectContaining({ chatId: "c1", leafId: "r2", pageToken: "" }) },
    ]);
  });

  it("asks nothing of the service for a signed-out caller", async () => {
    const fake = createFakeChatService({});
    const caller = await fakeServiceCaller(fake.chat, null);
    const attempts: Promise<unknown>[] = [
      caller.chat.setActiveBranch({ chatId: "c1", messageId: "u1" }),
      caller.chat.regenerate({ chatId: "c1", messageId: "r1" }).then(collect),
      caller.chat.edit({ chatId: "c1", messageId: "u1", text: "x" }).then(collect),
    ];
    for (const attempt of attempts) expect((await rejection(attempt)).code).toBe("UNAUTHORIZED");
    expect(fake.calls).toEqual([]);
  });
});
