import { describe, expect, it } from "vitest";
import type { ReplyFinishedEvent } from "../../application/replies/reply-events.js";
import {
  decodeEntry,
  decodeLiveMessage,
  liveMessage,
  terminalEntryId,
  terminalFields,
  textEntryId,
  textFields,
} from "./reply-stream-format.js";

const end: ReplyFinishedEvent = {
  type: "finished",
  status: "stopped",
  finishReason: null,
  usage: null,
  error: null,
  errorCode: null,
  length: 7,
};

describe("the reply stream format", () => {
  it("ids say where the text starts (0-0 being refused by Redis, text at 0 is 0-1) and where it ends", () => {
    expect([textEntryId(0), textEntryId(12), terminalEntryId(0), terminalEntryId(12)]).toEqual([
      "0-1",
      "12-0",
      "0-1",
      "12-1",
    ]);
  });

  it("decodes what it writes, on the stream and on the live channel", () => {
    expect(decodeEntry(["3-0", textFields("a🙂b")])).toEqual({
      kind: "text",
      id: "3-0",
      offset: 3,
      text: "a🙂b",
      end: 6,
    });
    expect(decodeLiveMessage(liveMessage("7-1", terminalFields(end), 1_700_000_000_123))).toEqual({
      entry: { kind: "end", id: "7-1", offset: 7, finished: end },
      sentAt: 1_700_000_000_123,
    });
    // A message without the owner's time (an older replica) still decodes.
    expect(decodeLiveMessage(JSON.stringify(["0-1", textFields("hi")]))).toEqual({
      entry: { kind: "text", id: "0-1", offset: 0, text: "hi", end: 2 },
      sentAt: null,
    });
  });

  it.each([
    ["not json", "{"],
    ["another shape", JSON.stringify({ id: "1-0" })],
    ["an unknown field", JSON.stringify(["1-0", ["x", "y"]])],
    ["a bad end", JSON.stringify(["1-1", ["end", JSON.stringify({ status: "odd", length: 1 })]])],
    ["a bad id", JSON.stringify(["x-0", ["t", "y"]])],
    ["too many parts", JSON.stringify(["1-0", ["t", "y"], 1, 2])],
  ])("ignores %s", (_, message) => {
    expect(decodeLiveMessage(message)).toBeNull();
  });
});
