// A follower's inbox with coalescing: live text entries that wait for a slow consumer merge while
// contiguous and within the bounds; an end, a gap or an overlap (a republished entry) stays apart, so
// followReply's offset logic sees the same text. Without coalescing every entry stays its own.
import { describe, expect, it } from "vitest";
import { aFinished } from "../../../test/support/reply-event-fixtures.js";
import { createFollowInbox } from "./follow-inbox.js";
import type { StreamEntry } from "./reply-stream-format.js";

const text = (offset: number, value: string): StreamEntry => ({
  kind: "text",
  id: `${offset}-0`,
  offset,
  text: value,
  end: offset + [...value].length,
});
const finished = aFinished(9);
const end: StreamEntry = { kind: "end", id: "9-1", offset: 9, finished };

async function drain(inbox: ReturnType<typeof createFollowInbox>, count: number) {
  const entries: (StreamEntry | null)[] = [];
  for (let i = 0; i < count; i++) entries.push(await inbox.next());
  return entries;
}

describe("a follower's inbox with coalescing", () => {
  it("merges contiguous text waiting for the consumer; the end stays apart", async () => {
    const inbox = createFollowInbox(1_000, { maxBytes: 1_000, maxAgeMs: 16 });
    for (const entry of [text(0, "ab"), text(2, "c😀"), text(4, "defgh"), end]) inbox.push(entry);
    expect(await drain(inbox, 2)).toEqual([{ ...text(0, "abc😀defgh"), id: "0-0" }, end]);
  });

  it("keeps a gap or an overlap (a republished entry) as entries of their own", async () => {
    const inbox = createFollowInbox(1_000, { maxBytes: 1_000, maxAgeMs: 16 });
    const entries = [text(0, "ab"), text(4, "ef"), text(5, "fg"), text(7, "h")];
    for (const entry of entries) inbox.push(entry);
    expect(await drain(inbox, 3)).toEqual([text(0, "ab"), text(4, "ef"), { ...text(5, "fgh"), id: "5-0" }]);
  });

  it("stops a merged entry at the byte cap and at the age bound", async () => {
    let now = 0;
    const inbox = createFollowInbox(1_000, { maxBytes: 4, maxAgeMs: 16, now: () => now });
    inbox.push(text(0, "ab"));
    inbox.push(text(2, "cd")); // 4 bytes: joins
    inbox.push(text(4, "e")); // 5: a new entry
    now = 17;
    inbox.push(text(5, "f")); // 17 ms after "e": a new entry
    expect(await drain(inbox, 3)).toEqual([{ ...text(0, "abcd"), id: "0-0" }, text(4, "e"), text(5, "f")]);
  });

  it("without coalescing, delivers every entry as it came", async () => {
    const inbox = createFollowInbox(1_000);
    const entries = [text(0, "ab"), text(2, "cd"), end];
    for (const entry of entries) inbox.push(entry);
    expect(await drain(inbox, 3)).toEqual(entries);
  });

  it("still fails a follower that falls more than maxChars behind, merged or not", async () => {
    const inbox = createFollowInbox(4, { maxBytes: 1_000, maxAgeMs: 16 });
    inbox.push(text(0, "abc"));
    inbox.push(text(3, "de"));
    await expect(inbox.next()).rejects.toThrow(/fell too far behind/);
  });
});
