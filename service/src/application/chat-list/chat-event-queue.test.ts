import { describe, expect, it } from "vitest";
import type { Chat } from "../../domain/chat.js";
import type { ListEvent as ChatListEvent } from "./watch-chats.js";
import { ChatEventQueue } from "./chat-event-queue.js";

const chat = (id: string, title = id): Chat => ({
  id,
  userId: "u",
  title,
  model: "m",
  instructionsTokens: null,
  titleSource: "user",
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const created = (id: string, title?: string): ChatListEvent => ({ type: "created", chat: chat(id, title) });
const updated = (id: string, title?: string): ChatListEvent => ({ type: "updated", chat: chat(id, title) });
const deleted = (chatId: string): ChatListEvent => ({ type: "deleted", chatId });
const resync: ChatListEvent = { type: "resync" };

const drain = (queue: ChatEventQueue) => {
  const out: string[] = [];
  for (let event = queue.take(); event; event = queue.take())
    out.push(
      event.type === "deleted"
        ? `deleted ${event.chatId}`
        : event.type === "resync"
          ? "resync"
          : `${event.type} ${event.chat.id} ${event.chat.title}`,
    );
  return out;
};

describe("ChatEventQueue", () => {
  it.each([
    {
      name: "keeps distinct chats in order",
      pushed: [created("a"), updated("b"), deleted("c")],
      read: ["created a a", "updated b b", "deleted c"],
    },
    {
      name: "keeps one event per chat, the latest, in the first one's place",
      pushed: [updated("a", "1"), updated("b"), updated("a", "2")],
      read: ["updated a 2", "updated b b"],
    },
    {
      name: "a created chat updated before it was read is still created, with the newer summary",
      pushed: [created("a", "1"), updated("a", "2")],
      read: ["created a 2"],
    },
    {
      name: "a chat created and deleted before it was read is never told",
      pushed: [created("a"), updated("b"), deleted("a")],
      read: ["updated b b"],
    },
    {
      name: "an updated chat deleted before it was read is told deleted",
      pushed: [updated("a"), deleted("a")],
      read: ["deleted a"],
    },
    {
      name: "a resync replaces everything pending and covers what follows it",
      pushed: [updated("a"), resync, created("b")],
      read: ["resync"],
    },
    {
      name: "at the bound, another chat's change is still taken in",
      pushed: [updated("a"), updated("b"), updated("c")],
      read: ["updated a a", "updated b b", "updated c c"],
    },
    {
      name: "at the bound, a pending chat's change is coalesced",
      pushed: [updated("a"), updated("b"), updated("c"), updated("a", "2")],
      read: ["updated a 2", "updated b b", "updated c c"],
    },
    {
      name: "past the bound, one resync instead of everything",
      pushed: [updated("a"), updated("b"), updated("c"), updated("d"), deleted("e")],
      read: ["resync"],
    },
  ])("$name", ({ pushed, read }) => {
    const queue = new ChatEventQueue(3);
    for (const event of pushed) queue.push(event);
    expect(drain(queue)).toEqual(read);
  });

  it("holds at most the bound however many chats change while nobody reads", () => {
    const queue = new ChatEventQueue(256);
    for (let i = 0; i < 100_000; i++) queue.push(updated(`chat-${i}`));
    expect(queue.size).toBe(1);
    expect(drain(queue)).toEqual(["resync"]);
    queue.push(updated("after"));
    expect(drain(queue)).toEqual(["updated after after"]);
  });
});
