/**
 * A lean gRPC client for load: `SendMessage` streams over one HTTP/2 connection, with the length-prefixed
 * frames parsed by hand and each event decoded with protobuf-es. It runs beside the simulator, so it must
 * cost little per delta; it timestamps every delta on arrival and checks that none was lost (offsets are
 * contiguous, the reply finished `complete`).
 *
 * With coalescing (REPLY_COALESCE_MS) one message may carry several upstream deltas. Every benchmark
 * delta is one word with its leading space (lib/texts.mjs), so `deltas` counts the upstream deltas a
 * message carries by its spaces, and `messages` the messages; gaps are between messages (what a reader
 * sees as updates).
 */
import { connect } from "node:http2";
import { performance } from "node:perf_hooks";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ReplyStatus,
  SendMessageRequestSchema,
  SendMessageResponseSchema,
  StopReplyRequestSchema,
} from "@parley/gen/parley/chat/v1/chat_pb";

export const benchToken = "bench-token";

/** One HTTP/2 connection to the service; `close()` ends it. */
export function openSession(baseUrl) {
  const session = connect(baseUrl);
  session.setMaxListeners(0);
  session.on("error", () => undefined);
  return session;
}

function frame(bytes) {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

function call(session, method, message, signal) {
  const stream = session.request(
    {
      ":method": "POST",
      ":path": `/parley.chat.v1.ChatService/${method}`,
      "content-type": "application/grpc+proto",
      te: "trailers",
      authorization: `Bearer ${benchToken}`,
    },
    { signal },
  );
  stream.end(frame(message));
  return stream;
}

/**
 * Streams one reply. `gaps` (optional) collects the ms between consecutive deltas. Resolves with the time
 * to the first delta, the deltas received, whether the reply was whole, and its reply id; `onFirstDelta`
 * is called once the first delta arrived (slow streams resolve the caller's wait there).
 */
export function sendMessage(session, { userId, chatId, text, gaps, onFirstDelta, signal }) {
  const request = toBinary(
    SendMessageRequestSchema,
    create(SendMessageRequestSchema, { userId, chatId, text }),
  );
  const start = performance.now();
  return new Promise((resolve) => {
    const stream = call(session, "SendMessage", request, signal);
    // `received`: code points of the reply received so far (rows that act on a live reply read it).
    const result = {
      ttft: NaN,
      deltas: 0,
      messages: 0,
      received: 0,
      offsetOk: true,
      status: null,
      grpcStatus: null,
      replyId: "",
    };
    let pending = null;
    let last = -1;
    let nextOffset = 0;
    const onMessage = (bytes, now) => {
      const kind = fromBinary(SendMessageResponseSchema, bytes).event?.kind;
      if (kind?.case === "delta") {
        if (last < 0) {
          result.ttft = now - start;
          onFirstDelta?.(result);
        } else if (gaps) gaps.push(now - last);
        last = now;
        result.messages++;
        result.deltas += wordsIn(kind.value.text);
        if (kind.value.offset !== nextOffset) result.offsetOk = false;
        nextOffset = kind.value.offset + codePoints(kind.value.text);
        result.received = nextOffset;
      } else if (kind?.case === "started") result.replyId = kind.value.replyId;
      else if (kind?.case === "finished") result.status = kind.value.status;
    };
    stream.on("data", (chunk) => {
      const now = performance.now();
      let data = pending ? Buffer.concat([pending, chunk]) : chunk;
      while (data.length >= 5) {
        const length = data.readUInt32BE(1);
        if (data.length < 5 + length) break;
        onMessage(data.subarray(5, 5 + length), now);
        data = data.subarray(5 + length);
      }
      pending = data.length > 0 ? data : null;
    });
    stream.on("trailers", (trailers) => (result.grpcStatus = Number(trailers["grpc-status"])));
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) result.grpcStatus = Number(headers["grpc-status"]);
    });
    stream.on("error", () => undefined);
    stream.on("close", () => {
      result.complete = result.grpcStatus === 0 && result.status === ReplyStatus.COMPLETE && result.offsetOk;
      resolve(result);
    });
  });
}

/** StopReply, as a user's stop button sends it. */
export function stopReply(session, { userId, replyId }) {
  const request = toBinary(StopReplyRequestSchema, create(StopReplyRequestSchema, { userId, replyId }));
  return new Promise((resolve) => {
    const stream = call(session, "StopReply", request);
    stream.on("data", () => undefined);
    stream.on("error", () => undefined);
    stream.on("close", resolve);
  });
}

/** Upstream deltas in a delta message's text: each benchmark delta starts with its one space. */
function wordsIn(text) {
  let words = 0;
  for (let at = text.indexOf(" "); at >= 0; at = text.indexOf(" ", at + 1)) words++;
  return Math.max(words, 1);
}

function codePoints(text) {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) length--;
  }
  return length;
}
