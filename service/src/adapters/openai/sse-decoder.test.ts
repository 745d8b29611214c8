import { describe, expect, it } from "vitest";
import { SseDecoder, SseEventTooLarge, type SseEvent } from "./sse-decoder.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Decodes `text` cut into the given byte pieces (one piece when none are given). */
function decodeIn(pieces: Uint8Array[], maxEventLength = 1_000): SseEvent[] {
  const decoder = new SseDecoder(maxEventLength);
  return pieces.flatMap((piece) => decoder.decode(piece));
}

/** Every way of cutting `text`'s bytes in two, and one byte at a time. */
function everyCut(text: string): Uint8Array[][] {
  const all = bytes(text);
  const cuts = Array.from({ length: all.length + 1 }, (_, at) => [all.subarray(0, at), all.subarray(at)]);
  cuts.push(Array.from(all, (_, at) => all.subarray(at, at + 1)));
  return cuts;
}

describe("SseDecoder", () => {
  it("reads chat-completions chunks, `[DONE]` included, as the SDK does", () => {
    const stream = 'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n';
    expect(decodeIn([bytes(stream)])).toEqual([
      { event: null, data: '{"a":1}' },
      { event: null, data: '{"a":2}' },
      { event: null, data: "[DONE]" },
    ]);
  });

  it("gives the same events however the bytes are cut, through multi-byte characters and CRLF", () => {
    const stream = 'data: {"t":"héllo 🙂"}\r\n\r\nevent: error\r\ndata: x\r\n\r\n';
    const whole = decodeIn([bytes(stream)]);
    expect(whole).toEqual([
      { event: null, data: '{"t":"héllo 🙂"}' },
      { event: "error", data: "x" },
    ]);
    for (const pieces of everyCut(stream)) expect(decodeIn(pieces)).toEqual(whole);
  });

  it("ends lines at `\\r` alone too, also when the `\\n` of a CRLF opens the next chunk", () => {
    expect(decodeIn([bytes("data: a\r\rdata: b\r"), bytes("\n\r\n")])).toEqual([
      { event: null, data: "a" },
      { event: null, data: "b" },
    ]);
  });

  it("joins data lines with `\\n`, drops one space after the colon, skips comments and other fields", () => {
    const stream = ": keep-alive\nid: 7\nretry: 10\ndata:first\ndata:  second\ndata\n\n";
    expect(decodeIn([bytes(stream)])).toEqual([{ event: null, data: "first\n second\n" }]);
  });

  it("dispatches nothing for empty lines without fields, nor for an event cut off by the end", () => {
    const decoder = new SseDecoder(1_000);
    expect(decoder.decode(bytes("\n\n: ping\n\n"))).toEqual([]);
    expect(decoder.decode(bytes("data: never finished\n"))).toEqual([]);
  });

  it("names the event when the server does", () => {
    expect(decodeIn([bytes("event: thread.message\ndata: {}\n\n")])).toEqual([
      { event: "thread.message", data: "{}" },
    ]);
  });

  describe("the size limit", () => {
    it("fails an unfinished line once it passes the limit, however it arrives", () => {
      const decoder = new SseDecoder(100);
      decoder.decode(bytes(`data: ${"x".repeat(90)}`)); // 96 characters held: fine
      expect(() => decoder.decode(bytes("x".repeat(10)))).toThrow(SseEventTooLarge);
    });

    it("counts every data line of one event, and starts again at the next event", () => {
      const line = `data: ${"y".repeat(40)}\n`;
      const decoder = new SseDecoder(100);
      expect(decoder.decode(bytes(`${line}${line}\n${line}${line}\n`))).toHaveLength(2);
      expect(() => decoder.decode(bytes(`${line}${line}${line}`))).toThrow(SseEventTooLarge);
    });

    it("counts empty data lines, so endless ones cannot grow an event without bound", () => {
      const decoder = new SseDecoder(100);
      expect(() => {
        for (let i = 0; i < 1_000; i++) decoder.decode(bytes("data:\n"));
      }).toThrow(SseEventTooLarge);
    });

    it("does not count comments, so keep-alives never fail a stream", () => {
      const decoder = new SseDecoder(100);
      for (let i = 0; i < 50; i++) decoder.decode(bytes(`: ${"k".repeat(60)}\n`));
      expect(decoder.decode(bytes("data: ok\n\n"))).toEqual([{ event: null, data: "ok" }]);
    });
  });
});
