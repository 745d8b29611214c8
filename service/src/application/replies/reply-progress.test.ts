import { describe, expect, it } from "vitest";
import type { ChatRepository } from "../chats/chat-repository.js";
import { ReplyProgressWriter, type ProgressSource } from "./reply-progress.js";

/** A repository whose progress saves wait until released, recording what they were asked to save. */
function heldSaves() {
  const saves: { replyId: string; content: string; release: () => void }[] = [];
  const repository = {
    saveReplyProgress: (replyId: string, content: string) =>
      new Promise<void>((release) => saves.push({ replyId, content, release })),
  } as unknown as ChatRepository;
  return { repository, saves };
}

const quiet = { info() {}, warn() {}, error() {} };
const clock = { now: () => new Date() };
const source = (replyId: string, text: { value: string | null }): ProgressSource => ({
  replyId,
  progress: () => text.value,
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("reply progress writer", () => {
  it("runs at most two saves at a time; a waiting reply saves once, with its latest text", async () => {
    const { repository, saves } = heldSaves();
    const writer = new ReplyProgressWriter(repository, clock, quiet);
    const texts = ["a", "b", "c"].map((value) => ({ value }));
    const [a, b, c] = texts.map((text, i) => source(`r${i}`, text));
    writer.request(a!);
    writer.request(b!);
    writer.request(c!);
    texts[2]!.value = "c, later";
    writer.request(c!);
    expect(saves.map((s) => s.replyId)).toEqual(["r0", "r1"]);

    saves[0]!.release();
    await settle();
    expect(saves.map((s) => [s.replyId, s.content])).toEqual([
      ["r0", "a"],
      ["r1", "b"],
      ["r2", "c, later"],
    ]);
  });

  it("skips a reply that ended while it waited", async () => {
    const { repository, saves } = heldSaves();
    const writer = new ReplyProgressWriter(repository, clock, quiet, 1);
    const ended = { value: "partial" as string | null };
    writer.request(source("first", { value: "x" }));
    writer.request(source("ended", ended));
    ended.value = null;
    saves[0]!.release();
    await settle();
    expect(saves.map((s) => s.replyId)).toEqual(["first"]);
  });
});
