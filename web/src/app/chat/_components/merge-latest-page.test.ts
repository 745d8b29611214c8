import { describe, expect, it } from "vitest";
import type { ChatMessage } from "~/lib/chat-types";
import { keepFinishedTurn, mergeLatestPage } from "./merge-latest-page";
import type { LiveReply } from "./reduce-live-replies";

function aMessage(id: string, content = id, status: ChatMessage["status"] = "complete"): ChatMessage {
  return {
    id,
    role: id.startsWith("u") ? "user" : "assistant",
    content,
    status,
    finishReason: "",
    createdAt: "2026-12-04T00:00:00.000Z",
    parentId: null,
    siblingCount: 1,
    siblingIndex: 0,
    previousSiblingId: null,
    nextSiblingId: null,
  };
}

const ids = (messages: readonly ChatMessage[]) =>
  messages.map((message) => `${message.id}:${message.content}`);

describe("mergeLatestPage", () => {
  it("keeps what came before the latest page and takes the page as it is now", () => {
    const held = [aMessage("u1"), aMessage("a1"), aMessage("u2"), aMessage("a2", "Hel", "streaming")];
    const latest = [aMessage("u2"), aMessage("a2", "Hello"), aMessage("u3"), aMessage("a3", "", "streaming")];
    expect(ids(mergeLatestPage(held, latest))).toEqual([
      "u1:u1",
      "a1:a1",
      "u2:u2",
      "a2:Hello",
      "u3:u3",
      "a3:",
    ]);
  });

  it("puts another tab's new turn after what is held, in the page's order", () => {
    const held = [aMessage("u1"), aMessage("a1")];
    const latest = [aMessage("u1"), aMessage("a1"), aMessage("u2"), aMessage("a2", "Hi", "streaming")];
    expect(ids(mergeLatestPage(held, latest))).toEqual(["u1:u1", "a1:a1", "u2:u2", "a2:Hi"]);
  });

  it("follows what is held when the page does not reach back to it, with nothing twice", () => {
    const held = [aMessage("u1"), aMessage("a1")];
    const latest = [aMessage("u7"), aMessage("a7")];
    expect(ids(mergeLatestPage(held, latest))).toEqual(["u1:u1", "a1:a1", "u7:u7", "a7:a7"]);
  });

  it("changes nothing for an empty page", () => {
    const held = [aMessage("u1")];
    expect(mergeLatestPage(held, [])).toEqual(held);
  });
});

describe("keepFinishedTurn", () => {
  const live = (fields: Partial<LiveReply>): LiveReply => ({
    key: "c1",
    chatId: "c1",
    replyId: "a2",
    userMessageId: "u2",
    userText: "Question",
    replaces: null,
    content: "Answer",
    length: 6,
    status: "complete",
    phase: "done",
    context: null,
    error: null,
    failedBeforeStart: false,
    limit: null,
    gap: false,
    ...fields,
  });

  it("keeps this tab's finished turn: its message and its answer", () => {
    expect(ids(keepFinishedTurn([aMessage("u1"), aMessage("a1")], live({})))).toEqual([
      "u1:u1",
      "a1:a1",
      "u2:Question",
      "a2:Answer",
    ]);
  });

  it("keeps nothing of a message that was never sent", () => {
    const unsent = live({ replyId: null, userMessageId: null, phase: "failed", failedBeforeStart: true });
    expect(ids(keepFinishedTurn([aMessage("u1")], unsent))).toEqual(["u1:u1"]);
  });
});
