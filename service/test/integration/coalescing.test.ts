// Backpressure-aware coalescing over a real HTTP/2 connection: a raw gRPC client that stops reading
// (a small stream window, then no reads) makes the service's writes wait for `drain`; the deltas the
// model produces meanwhile queue for that watcher and are merged. Once the reader reads again, the
// merged stream's text and offsets must equal the stored reply exactly, with fewer, bounded messages.
// With coalescing off the same stall delivers one message per upstream delta.
import { randomUUID } from "node:crypto";
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  SendMessageRequestSchema,
  SendMessageResponseSchema,
  type ReplyDelta,
} from "@parley/gen/parley/chat/v1/chat_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utf8Length } from "../../src/application/replies/delta-coalescing.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";
import { envelope, splitEnvelopes } from "../support/rpc-probes.js";

/** 2 000 deltas of mixed widths (ASCII, 2-byte, 3-byte, astral), about 34 KB: far past the buffers. */
const parts = Array.from({ length: 2_000 }, (_, i) => `wörd${i} ${i % 7 === 0 ? "😀 " : ""}€ `);
const replyText = parts.join("");
const maxBytes = 4_096;

let coalescing: Harness;
let plain: Harness;
beforeAll(async () => {
  // A generous age bound, so that merging under the stall does not depend on this machine's speed.
  [coalescing, plain] = await Promise.all([
    startParley({ coalescing: { maxAgeMs: 1_000, maxBytes } }),
    startParley({ coalescing: null }),
  ]);
  for (const harness of [coalescing, plain])
    harness.simulator.when("a long answer", { deltas: parts, paceMs: 0 });
});
afterAll(() => Promise.all([coalescing?.stop(), plain?.stop()]));

/** The user's reply row as stored once it ended: its status and text. */
async function storedReply(harness: Harness, userId: string) {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    `SELECT m.status, m.content FROM messages m JOIN chats c ON c.id = m.chat_id
     WHERE c.user_id = ? AND m.role = 'assistant'`,
    [userId],
  );
  return rows[0] as { status: string; content: string } | undefined;
}

/**
 * Sends a message over raw gRPC on an HTTP/2 session whose streams get a 1 KiB window, reads nothing
 * until the reply is stored as complete (the service has produced every delta by then), then reads all.
 */
async function sendWithPausedReader(harness: Harness, userId: string) {
  const session = http2.connect(harness.baseUrl, { settings: { initialWindowSize: 1_024 } });
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": "/parley.chat.v1.ChatService/SendMessage",
      "content-type": "application/grpc",
      te: "trailers",
      authorization: `Bearer ${testToken}`,
    });
    stream.pause();
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on("trailers", resolve));
    stream.end(
      envelope(
        toBinary(
          SendMessageRequestSchema,
          create(SendMessageRequestSchema, {
            userId,
            text: "a long answer",
          }),
        ),
      ),
    );

    await expect
      .poll(async () => (await storedReply(harness, userId))?.status, { timeout: 20_000 })
      .toBe("complete");

    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.resume();
    await new Promise((resolve) => stream.on("end", resolve));
    const events = splitEnvelopes(Buffer.concat(chunks)).map(
      ({ data }) => fromBinary(SendMessageResponseSchema, data).event?.kind,
    );
    return { events, grpcStatus: (await trailers)["grpc-status"] };
  } finally {
    session.close();
  }
}

/** Every delta's offset is the code points before it; returns their text. */
function checkOffsets(deltas: ReplyDelta[]): string {
  let text = "";
  let offset = 0;
  for (const delta of deltas) {
    expect(delta.offset).toBe(offset);
    text += delta.text;
    offset += [...delta.text].length;
  }
  return text;
}

describe("coalescing under HTTP/2 backpressure", () => {
  it("merges the deltas a paused reader could not take; text and offsets equal the reply exactly", async () => {
    const userId = `coalesce-${randomUUID()}`;
    const { events, grpcStatus } = await sendWithPausedReader(coalescing, userId);

    expect(grpcStatus).toBe("0");
    expect(events[0]?.case).toBe("started");
    expect(events.at(-1)).toMatchObject({ case: "finished", value: { length: [...replyText].length } });
    const deltas = events.slice(1, -1).map((event) => {
      expect(event?.case).toBe("delta");
      return event!.value as ReplyDelta;
    });
    expect(checkOffsets(deltas)).toBe(replyText);
    expect((await storedReply(coalescing, userId))?.content).toBe(replyText);
    // Merged: far fewer messages than deltas, and none past the byte cap.
    // Merged: far fewer messages than deltas, none past the byte cap, and the stall's backlog arrived
    // in messages of thousands of bytes (the event loop alone merges a few parts at a time).
    expect(deltas.length).toBeLessThan(parts.length / 2);
    const sizes = deltas.map((delta) => utf8Length(delta.text));
    expect(Math.max(...sizes)).toBeGreaterThan(maxBytes / 2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBytes);
  });

  it("with coalescing off, the same stall still delivers one message per delta", async () => {
    const userId = `plain-${randomUUID()}`;
    const { events, grpcStatus } = await sendWithPausedReader(plain, userId);

    expect(grpcStatus).toBe("0");
    const deltas = events
      .filter((event) => event?.case === "delta")
      .map((event) => event!.value as ReplyDelta);
    expect(deltas.map((delta) => delta.text)).toEqual(parts);
    expect(checkOffsets(deltas)).toBe(replyText);
  });
});
