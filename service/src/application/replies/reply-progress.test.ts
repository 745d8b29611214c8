import { describe, expect, it } from "vitest";
import type { ChatRepository } from "../chats/chat-repository.js";
import { ReplyProgressWriter, type ProgressSource } from "./reply-progress.js";

/** A repository whose progress saves wait until released, recording what they were asked to save. */
function heldSaves() {
  const saves: { replyId: string; owner: string; content: string; release: (saved?: boolean) => void }[] = [];
  const repository = {
    saveReplyProgress: (replyId: string, owner: string, content: string) =>
      new Promise<boolean>((resolve) =>
        saves.push({ replyId, owner, content, release: (saved = true) => resolve(saved) }),
      ),
  } as unknown as ChatRepository;
  return { repository, saves };
}

const quiet = { info() {}, warn() {}, error() {} };
const clock = { now: () => new Date() };
const lost: string[] = [];
const source = (replyId: string, text: { value: string | null }): ProgressSource => ({
  replyId,
  progress: () => text.value,
  leaseLost: () => lost.push(replyId),
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("reply progress writer", () => {
  it("runs at most two saves at a time; a waiting reply saves once, with its latest text", async () => {
    const { repository, saves } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet);
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
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet, 1);
    const ended = { value: "partial" as string | null };
    writer.request(source("first", { value: "x" }));
    writer.request(source("ended", ended));
    ended.value = null;
    saves[0]!.release();
    await settle();
    expect(saves.map((s) => s.replyId)).toEqual(["first"]);
  });

  it("saves as this owner, and tells a reply whose save matched nothing that its lease is lost", async () => {
    const { repository, saves } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet);
    lost.length = 0;
    writer.request(source("kept", { value: "x" }));
    writer.request(source("swept", { value: "y" }));
    expect(saves.map((s) => s.owner)).toEqual(["me", "me"]);
    saves[0]!.release(true);
    saves[1]!.release(false);
    await settle();
    expect(lost).toEqual(["swept"]);
  });
});
