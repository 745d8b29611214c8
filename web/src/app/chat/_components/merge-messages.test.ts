import { describe, expect, it } from "vitest";
import type { ChatMessage } from "~/lib/chat-types";
import type { LiveReply } from "./reduce-live-replies";
import { isAnswering, mergeMessages, messageKey, pendingReplyId } from "./merge-messages";

const aMessage = (overrides: Partial<ChatMessage>): ChatMessage => ({
  id: "m1",
  role: "user",
  content: "Hi",
  status: "complete",
  finishReason: "",
  createdAt: "2026-01-01T00:00:00.000Z",
  parentId: null,
  siblingCount: 1,
  siblingIndex: 0,
  previousSiblingId: null,
  nextSiblingId: null,
  ...overrides,
});

const aLiveReply = (overrides: Partial<LiveReply>): LiveReply => ({
  key: "c1",
  chatId: "c1",
  replyId: "r1",
  userMessageId: "u1",
  userText: "Hello",
  replaces: null,
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

describe("mergeMessages with a new version (regenerate, edit)", () => {
  const path = [
    aMessage({ id: "u1", content: "First" }),
    aMessage({ id: "r1", role: "assistant", content: "One", parentId: "u1" }),
    aMessage({ id: "u2", content: "Second", parentId: "r1" }),
    aMessage({ id: "r2", role: "assistant", content: "Two", parentId: "u2" }),
  ];
  const shown = (view: ReturnType<typeof mergeMessages>) => view.map((m) => [m.id, m.content, m.parentId]);

  it("shows a regenerated answer in the old one's place, the path cut there", () => {
    const live = aLiveReply({
      replyId: "r3",
      userMessageId: "u1",
      userText: null,
      replaces: "r1",
      content: "Uno",
    });
    expect(shown(mergeMessages(path, live))).toEqual([
      ["u1", "First", null],
      ["r3", "Uno", "u1"],
    ]);
  });

  it("shows an edited message and its answer in the old message's place", () => {
    const live = aLiveReply({
      replyId: "r4",
      userMessageId: "u3",
      userText: "Second, better",
      replaces: "u2",
    });
    expect(shown(mergeMessages(path, live))).toEqual([
      ["u1", "First", null],
      ["r1", "One", "u1"],
      ["u3", "Second, better", "r1"],
      ["r4", "Hi there", "u3"],
    ]);
  });

  it("shows an edit of the first message from the start, before the service names anything", () => {
    const live = aLiveReply({
      replyId: null,
      userMessageId: null,
      userText: "Hi!",
      replaces: "u1",
      content: "",
    });
    expect(shown(mergeMessages(path, live))).toEqual([
      ["pending-user", "Hi!", null],
      [pendingReplyId, "", "pending-user"],
    ]);
  });

  it("updates the new version in place once the page holds it (read again after it ended)", () => {
    const again = [
      path[0]!,
      aMessage({
        id: "r3",
        role: "assistant",
        content: "Un",
        parentId: "u1",
        siblingCount: 2,
        siblingIndex: 1,
      }),
    ];
    const live = aLiveReply({
      replyId: "r3",
      userText: null,
      replaces: "r1",
      content: "Uno",
      length: 3,
      phase: "done",
      status: "complete",
    });
    const view = mergeMessages(again, live);
    expect(shown(view)).toEqual([
      ["u1", "First", null],
      ["r3", "Uno", "u1"],
    ]);
    expect(view[1]).toMatchObject({ siblingCount: 2, siblingIndex: 1 });
  });

  it("keys a message by its place on the path, so its versions share one key", () => {
    const first = aMessage({ id: "r1", role: "assistant", parentId: "u1" });
    const second = aMessage({ id: "r3", role: "assistant", parentId: "u1", siblingIndex: 1 });
    expect(messageKey(first)).toBe(messageKey(second));
    expect(new Set(path.map(messageKey)).size).toBe(path.length);
    expect(messageKey(aMessage({ id: "u1" }))).toBe(messageKey(aMessage({ id: "u9" })));
  });

  it("keeps the path as it was when a regenerate fails before it starts; an unsent edit shows its text", () => {
    const unsent = { replyId: null, userMessageId: null, phase: "failed", failedBeforeStart: true } as const;
    const regenerate = aLiveReply({ ...unsent, userText: null, replaces: "r1" });
    expect(mergeMessages(path, regenerate)).toEqual(path);
    const edit = aLiveReply({ ...unsent, userText: "Second, better", replaces: "u2" });
    expect(shown(mergeMessages(path, edit))).toEqual([
      ["u1", "First", null],
      ["r1", "One", "u1"],
      ["pending-user", "Second, better", "r1"],
    ]);
  });
});
