import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import {
  ReplyStatus,
  WatchChatResponseSchema,
  type ReplyEventSchema,
  type WatchChatResponse,
} from "@parley/gen/parley/chat/v1/chat_pb";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import type { ChatWatchEvent } from "~/lib/chat-watch-event";
import type { Logger } from "../logger";
import { relayChat } from "./relay-chat";

type ReplyEventInit = MessageInitShape<typeof ReplyEventSchema>;

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const summary = (title: string) =>
  create(WatchChatResponseSchema, { kind: { case: "chat", value: { id: "c1", title, model: "m" } } });
const reply = (kind: ReplyEventInit["kind"]) =>
  create(WatchChatResponseSchema, { kind: { case: "reply", value: { kind } } });
const started = reply({
  case: "started",
  value: { chatId: "c1", replyId: "r1", userMessageId: "u1", model: "m" },
});
const delta = (text: string, offset: number) => reply({ case: "delta", value: { text, offset } });
const finished = reply({
  case: "finished",
  value: { status: ReplyStatus.COMPLETE, finishReason: "stop", length: 5 },
});
const deleted = create(WatchChatResponseSchema, { kind: { case: "deleted", value: { chatId: "c1" } } });
const serviceError = (code: Code, reason: string) =>
  new ConnectError("nope", code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "parley" }) },
  ]);

/** A service whose successive WatchChat calls play these scripts. */
function aService(...scripts: { events: WatchChatResponse[]; thenThrow?: unknown }[]) {
  let opened = 0;
  return {
    opened: () => opened,
    async *open() {
      opened++;
      const script = scripts.shift();
      if (!script) throw serviceError(Code.PermissionDenied, "account.blocked");
      for (const event of script.events) yield event;
      if (script.thenThrow) throw script.thenThrow;
    },
  };
}

const describeEvent = (event: ChatWatchEvent) => {
  switch (event.type) {
    case "ready":
    case "changed":
      return `${event.type} ${event.chat.title}`;
    case "deleted":
      return `deleted ${event.chatId}`;
    case "branch":
      return `branch ${event.leafId}`;
    case "reply":
      return event.event.type === "delta"
        ? `delta ${event.event.offset} ${event.event.text}`
        : `${event.event.type}`;
  }
};

async function relayAll(service: ReturnType<typeof aService>, signal?: AbortSignal) {
  const seen: string[] = [];
  for await (const event of relayChat({
    chatId: "c1",
    open: service.open,
    signal,
    log: silent,
    firstWaitMs: 1,
  }))
    seen.push(describeEvent(event));
  return seen;
}

describe("relayChat", () => {
  it("relays the summary as `ready`, the reply's events, later summaries as `changed`, branch switches, and ends after `deleted`", async () => {
    const service = aService({
      events: [
        summary("Picnic"),
        started,
        delta("Hel", 0),
        delta("", 3),
        delta("lo", 3),
        finished,
        summary("Sunday picnic"),
        create(WatchChatResponseSchema, { kind: { case: "branch", value: { leafId: "a1" } } }),
        deleted,
        // Nothing after `deleted` is read: the stream is over.
        summary("never"),
      ],
    });
    expect(await relayAll(service)).toEqual([
      "ready Picnic",
      "started",
      "delta 0 Hel",
      "delta 3 lo",
      "finished",
      "changed Sunday picnic",
      "branch a1",
      "deleted c1",
    ]);
  });

  it("reopens when the hub blinks, the new watch starting with `ready` again", async () => {
    const service = aService(
      {
        events: [summary("Picnic"), started, delta("Hel", 0)],
        thenThrow: serviceError(Code.Unavailable, "hub.unavailable"),
      },
      { events: [summary("Picnic"), started, delta("Hello", 0), deleted] },
    );
    expect(await relayAll(service)).toEqual([
      "ready Picnic",
      "started",
      "delta 0 Hel",
      "ready Picnic",
      "started",
      "delta 0 Hello",
      "deleted c1",
    ]);
    expect(service.opened()).toBe(2);
  });

  it("ends with `deleted` when the chat is not found (deleted while the watch was down)", async () => {
    const service = aService(
      { events: [summary("Picnic")], thenThrow: serviceError(Code.Unavailable, "hub.unavailable") },
      { events: [], thenThrow: serviceError(Code.NotFound, "chat.not_found") },
    );
    expect(await relayAll(service)).toEqual(["ready Picnic", "deleted c1"]);
    expect(service.opened()).toBe(2);
  });

  it("ends with a tRPC error for any other failure", async () => {
    const service = aService({
      events: [],
      thenThrow: serviceError(Code.ResourceExhausted, "watch.too_many"),
    });
    const failure = relayAll(service);
    await expect(failure).rejects.toBeInstanceOf(TRPCError);
    await expect(failure).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "Too many Parley tabs are open. Close some, then reload this one.",
    });
    expect(service.opened()).toBe(1);
  });

  it("ends quietly when the browser leaves", async () => {
    const leaving = new AbortController();
    const service = aService({ events: [summary("Picnic")] });
    const seen: string[] = [];
    for await (const event of relayChat({
      chatId: "c1",
      open: service.open,
      signal: leaving.signal,
      log: silent,
    })) {
      seen.push(describeEvent(event));
      leaving.abort();
    }
    expect(seen).toEqual(["ready Picnic"]);
    expect(service.opened()).toBe(1);
  });
});
