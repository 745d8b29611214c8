import { describe, expect, it } from "vitest";
import type { ChatListEvent } from "../../application/chat-list/chat-events.js";
import { decodeChatEvent } from "./redis-chat-events.js";

const chat = {
  id: "c1",
  userId: "u1",
  title: "A title",
  model: "gpt-4o-mini",
  instructionsTokens: null,
  titleSource: "generated" as const,
  createdAt: new Date("2026-01-02T03:04:05.006Z"),
  updatedAt: new Date("2026-02-03T04:05:06.007Z"),
};

describe("chat events on the wire", () => {
  it.each<ChatListEvent>([
    { type: "created", chat },
    { type: "updated", chat },
    { type: "deleted", chatId: "c1" },
    { type: "resync" },
  ])("$type comes back as it was sent (dates as dates)", (event) => {
    expect(decodeChatEvent(JSON.stringify(event))).toEqual(event);
  });

  it.each(["", "not json", "null", "{}", '{"type":"created"}', '{"type":"deleted"}', '{"type":"other"}'])(
    "ignores what is not an event: %j",
    (raw) => {
      expect(decodeChatEvent(raw)).toBeNull();
    },
  );
});
