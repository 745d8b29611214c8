import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ChatListEventSchema, type ChatListEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import type { ChatListChange } from "~/lib/chat-list-change";
import type { Logger } from "../logger";
import { relayChatList } from "./relay-chat-list";

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const ready = create(ChatListEventSchema, { kind: { case: "ready", value: {} } });
const renamed = create(ChatListEventSchema, {
  kind: { case: "updated", value: { id: "c1", title: "Renamed", model: "m" } },
});
const deleted = create(ChatListEventSchema, { kind: { case: "deleted", value: { chatId: "c1" } } });
const serviceError = (code: Code, reason: string) =>
  new ConnectError("nope", code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "parley" }) },
  ]);

/** A service whose successive WatchChats calls play these scripts. */
function aService(...scripts: { events: ChatListEvent[]; thenThrow?: unknown }[]) {
  let opened = 0;
  return {
    opened: () => opened,
    async *open() {
      opened++;
      const script = scripts.shift();
      if (!script) throw serviceError(Code.PermissionDenied, "account.blocked");
      for (const event of script.events) yield { event };
      if (script.thenThrow) throw script.thenThrow;
    },
  };
}

const describeChange = (change: ChatListChange) =>
  change.type === "updated" || change.type === "created"
    ? `${change.type} ${change.chat.id} ${change.chat.title}`
    : change.type === "deleted"
      ? `deleted ${change.chatId}`
      : change.type;

describe("relayChatList", () => {
  it("relays each event, and reopens when the hub blinks: the new `ready` makes the browser list again", async () => {
    const service = aService(
      { events: [ready, renamed], thenThrow: serviceError(Code.Unavailable, "hub.unavailable") },
      { events: [ready, deleted] },
    );
    const seen: string[] = [];
    await expect(async () => {
      for await (const change of relayChatList({
        open: service.open,
        signal: undefined,
        log: silent,
        firstWaitMs: 1,
      }))
        seen.push(describeChange(change));
    }).rejects.toBeInstanceOf(TRPCError);
    expect(seen).toEqual(["ready", "updated c1 Renamed", "ready", "deleted c1"]);
    // The third watch was refused for another reason: that ends the subscription.
    expect(service.opened()).toBe(3);
  });

  it("ends quietly when the browser leaves", async () => {
    const leaving = new AbortController();
    const service = aService({ events: [ready] });
    const seen: string[] = [];
    for await (const change of relayChatList({ open: service.open, signal: leaving.signal, log: silent })) {
      seen.push(describeChange(change));
      leaving.abort();
    }
    expect(seen).toEqual(["ready"]);
  });
});
