import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ReplyEventSchema,
  ReplyStatus,
  type ReplyEvent as ProtoReplyEvent,
} from "@parley/gen/parley/chat/v1/chat_pb";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import type { Logger } from "../logger";
import { relayReply } from "./relay-reply";

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

const started = create(ReplyEventSchema, {
  kind: { case: "started", value: { chatId: "c1", replyId: "r1", userMessageId: "u1", model: "m" } },
});
const delta = (text: string, offset: number) =>
  create(ReplyEventSchema, { kind: { case: "delta", value: { text, offset } } });
const finished = (status: ReplyStatus, length: number) =>
  create(ReplyEventSchema, { kind: { case: "finished", value: { status, length, finishReason: "" } } });

async function* stream(events: ProtoReplyEvent[], thenThrow?: unknown) {
  for (const event of events) yield { event };
  if (thenThrow) throw thenThrow;
}

async function relay(events: ProtoReplyEvent[], options: { fromOffset?: number; thenThrow?: unknown } = {}) {
  const out: [string, unknown][] = [];
  for await (const [id, data] of relayReply({
    events: stream(events, options.thenThrow),
    fromOffset: options.fromOffset ?? 0,
    signal: undefined,
    log: silent,
    operation: "test",
  })) {
    out.push([id, data]);
  }
  return out;
}

describe("relayReply", () => {
  it("tracks each event with the reply id and the offset after it", async () => {
    const out = await relay([started, delta("Hé", 0), delta("llo 🚀", 2), finished(ReplyStatus.COMPLETE, 7)]);
    expect(out.map(([id]) => id)).toEqual(["r1:0", "r1:2", "r1:7", "r1:7"]);
    expect(out[3]![1]).toEqual({ type: "finished", status: "complete", finishReason: "", length: 7 });
  });

  it("forwards a resumed stream as the service starts it, at the offset it was asked for", async () => {
    const out = await relay([started, delta("world", 6), finished(ReplyStatus.COMPLETE, 11)], {
      fromOffset: 6,
    });
    expect(out.map(([id]) => id)).toEqual(["r1:6", "r1:11", "r1:11"]);
    expect(out[1]![1]).toEqual({ type: "delta", text: "world", offset: 6 });
  });

  it("ends quietly when the stream errors after its finished event (a cut reply already said so)", async () => {
    const cut = new ConnectError("upstream broke", Code.Unavailable);
    const out = await relay([started, delta("Hi", 0), finished(ReplyStatus.INCOMPLETE, 2)], {
      thenThrow: cut,
    });
    expect(out.at(-1)![1]).toMatchObject({ type: "finished", status: "incomplete" });
  });

  it("maps a failure before the end to a tRPC error with a message for people", async () => {
    const failure = await relay([started], {
      thenThrow: new ConnectError("connect ECONNREFUSED 10.0.0.1:8080", Code.Unavailable),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TRPCError);
    expect(failure).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect((failure as Error).message).not.toMatch(/ECONNREFUSED/);
  });
});
