import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatRepository, ProgressSave } from "../chats/chat-repository.js";
import { ReplyProgressWriter, type ProgressSource } from "./reply-progress.js";

/** A repository whose progress writes wait until released, recording what they were asked to save. */
function heldSaves() {
  const writes: { owner: string; saves: ProgressSave[]; release: (saved?: string[]) => void }[] = [];
  const repository: Pick<ChatRepository, "saveRepliesProgress"> = {
    saveRepliesProgress: (owner, saves) =>
      new Promise((resolve) =>
        writes.push({
          owner,
          saves: [...saves],
          release: (saved = saves.map((save) => save.replyId)) => resolve(new Set(saved)),
        }),
      ),
  };
  const contents = () => writes.map((write) => write.saves.map((save) => [save.replyId, save.content]));
  return { repository, writes, contents };
}

const quiet = { info() {}, warn() {}, error() {} };
const clock = { now: () => new Date() };
const lost: string[] = [];
const source = (replyId: string, text: { value: string | null }): ProgressSource => ({
  replyId,
  progress: () => (text.value === null ? null : { content: text.value, promptTokens: null }),
  leaseLost: () => lost.push(replyId),
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
  lost.length = 0;
});

describe("reply progress writer", () => {
  it("saves the replies that ask within the gathering time in one write, each with its latest text", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { repository, writes, contents } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet, { gatherMs: 100 });
    const texts = ["a", "b", "c"].map((value) => ({ value }));
    const [a, b, c] = texts.map((text, i) => source(`r${i}`, text));
    writer.request(a!);
    await vi.advanceTimersByTimeAsync(60);
    writer.request(b!);
    writer.request(c!);
    texts[2]!.value = "c, later";
    writer.request(c!);
    await vi.advanceTimersByTimeAsync(39);
    expect(writes).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(contents()).toEqual([
      [
        ["r0", "a"],
        ["r1", "b"],
        ["r2", "c, later"],
      ],
    ]);
    expect(writes[0]!.owner).toBe("me");
  });

  it("runs at most two writes at a time; what asks meanwhile goes in the next one", async () => {
    const { repository, writes, contents } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet, { gatherMs: 0, maxBatch: 1 });
    for (const id of ["r0", "r1", "r2", "r3"]) writer.request(source(id, { value: id }));
    expect(contents()).toEqual([[["r0", "r0"]], [["r1", "r1"]]]);

    writes[0]!.release();
    await settle();
    expect(contents()).toEqual([[["r0", "r0"]], [["r1", "r1"]], [["r2", "r2"]]]);
  });

  it("bounds a write by replies and by bytes; one longer reply goes alone", async () => {
    const { repository, contents } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet, {
      gatherMs: 0,
      maxInFlight: 10,
      maxBatch: 3,
      maxBatchBytes: 30,
    });
    const requestAll = (texts: Record<string, string>) => {
      // Queued together, as a gathering time would: the writer pumps once they all wait.
      const sources = Object.entries(texts).map(([id, text]) => source(id, { value: text }));
      for (const item of sources.slice(0, -1))
        (writer as unknown as { waiting: Set<ProgressSource> }).waiting.add(item);
      writer.request(sources.at(-1)!);
    };
    // 3 bytes per UTF-16 unit at most: "12345" counts as 15 bytes, "x".repeat(11) as 33.
    requestAll({ a: "1", b: "2", c: "3", d: "4", e: "12345", f: "12345", g: "x".repeat(11), h: "z" });

    expect(contents().map((write) => write.map(([id]) => id))).toEqual([
      ["a", "b", "c"],
      ["d", "e"],
      ["f"],
      ["g"],
      ["h"],
    ]);
  });

  it("skips a reply that ended while it waited", async () => {
    const { repository, writes, contents } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet, { gatherMs: 0, maxInFlight: 1 });
    const ended = { value: "partial" as string | null };
    writer.request(source("first", { value: "x" }));
    writer.request(source("ended", ended));
    ended.value = null;
    writes[0]!.release();
    await settle();
    expect(contents()).toEqual([[["first", "x"]]]);
  });

  it("tells each reply of a write that was not saved that its lease is lost", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { repository, writes } = heldSaves();
    const writer = new ReplyProgressWriter(repository, "me", clock, quiet);
    for (const id of ["kept", "swept", "also kept"]) writer.request(source(id, { value: id }));
    await vi.advanceTimersByTimeAsync(100);

    writes[0]!.release(["kept", "also kept"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(lost).toEqual(["swept"]);
  });
});
