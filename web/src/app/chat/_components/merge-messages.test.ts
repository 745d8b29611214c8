import { describe, expect, it } from "vitest";
import type { ChatMessage } from "~/lib/chat-types";
import type { LiveReply } from "./reduce-live-replies";
import { isAnswering, mergeMessages } from "./merge-messages";

const aMessage = (overrides: Partial<ChatMessage>): ChatMessage => ({
  id: "m1",
  role: "user",
  content: "Hi",
  status: "complete",
  finishReason: "",
  createdAt: "2026-01-01T00:00:00.000Z",
  ...overrides,
});

const aLiveReply = (overrides: Partial<LiveReply>): LiveReply => ({
  key: "c1",
  chatId: "c1",
  replyId: "r1",
  userMessageId: "u1",
  userText: "Hello",
  content: "Hi there",
  length: 8,
  status: "streaming",
  phase: "streaming",
  context: null,
  error: null,
  failedBeforeStart: false,
  limit: null,
  gap: false,
  ...overrides,
});

describe("mergeMessages", () => {
  it("shows the page's messages when nothing is live", () => {
    const messages = [aMessage({})];
    expect(mergeMessages(messages, undefined)).toEqual(messages);
  });

  it("appends a turn sent from this tab", () => {
    const view = mergeMessages([aMessage({})], aLiveReply({}));
    expect(view.map((m) => [m.id, m.role, m.content])).toEqual([
      ["m1", "user", "Hi"],
      ["u1", "user", "Hello"],
      ["r1", "assistant", "Hi there"],
    ]);
    expect(view[2]!.live?.phase).toBe("streaming");
  });

  it("updates the reply the page already holds instead of repeating it (reload, re-attach)", () => {
    const stored = [
      aMessage({ id: "u1", content: "Hello" }),
      aMessage({ id: "r1", role: "assistant", content: "Hi", status: "streaming" }),
    ];
    const view = mergeMessages(stored, aLiveReply({ userText: null, userMessageId: null }));
    expect(view.map((m) => [m.id, m.content, m.status])).toEqual([
      ["u1", "Hello", "complete"],
      ["r1", "Hi there", "streaming"],
    ]);
  });

  it("never shows less text than the page loaded", () => {
    const stored = [
      aMessage({ id: "r1", role: "assistant", content: "Hi there, friend", status: "streaming" }),
    ];
    expect(mergeMessages(stored, aLiveReply({}))[0]!.content).toBe("Hi there, friend");
  });

  it("keeps an unsent message on screen without an empty answer under it", () => {
    const live = aLiveReply({ replyId: null, userMessageId: null, content: "", length: 0, phase: "failed" });
    const view = mergeMessages([], { ...live, failedBeforeStart: true, error: "down" });
    expect(view.map((m) => [m.role, m.content])).toEqual([["user", "Hello"]]);
  });

  it("counts a reply as answering until it is done or failed", () => {
    expect(isAnswering(undefined)).toBe(false);
    for (const phase of ["sending", "streaming", "reconnecting", "stopping"] as const) {
      expect(isAnswering(aLiveReply({ phase }))).toBe(true);
    }
    expect(isAnswering(aLiveReply({ phase: "done" }))).toBe(false);
    expect(isAnswering(aLiveReply({ phase: "failed" }))).toBe(false);
  });
});
