import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import {
  ReplyEventSchema,
  ReplyStatus,
  type ReplyEvent as ProtoReplyEvent,
} from "@parley/gen/parley/chat/v1/chat_pb";
import { describe, expect, it } from "vitest";
import type { Logger } from "../logger";
import { resilientWatch } from "./resilient-watch";

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const started = create(ReplyEventSchema, {
  kind: { case: "started", value: { chatId: "c1", replyId: "r1", userMessageId: "", model: "" } },
});
const delta = (text: string, offset: number) =>
  create(ReplyEventSchema, { kind: { case: "delta", value: { text, offset } } });
const finished = create(ReplyEventSchema, {
  kind: { case: "finished", value: { status: ReplyStatus.COMPLETE, length: 9, finishReason: "stop" } },
});
const serviceError = (code: Code, reason: string) =>
  new ConnectError("nope", code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "parley" }) },
  ]);
const hubBlink = () => serviceError(Code.Unavailable, "hub.unavailable");

/** A service whose successive WatchReply calls play these scripts; records the offsets asked for. */
function aService(...scripts: { events: ProtoReplyEvent[]; thenThrow?: unknown }[]) {
  const asked: number[] = [];
  return {
    asked,
    async *open(fromOffset: number) {
      asked.push(fromOffset);
      const script = scripts.shift();
      if (!script) throw new Error("no more scripts");
      for (const event of script.events) yield { event };
      if (script.thenThrow) throw script.thenThrow;
    },
  };
}

async function texts(options: Parameters<typeof resilientWatch>[0]) {
  const kinds: string[] = [];
  for await (const { event } of resilientWatch(options))
    kinds.push(event?.kind.case === "delta" ? event.kind.value.text : (event?.kind.case ?? ""));
  return kinds;
}

describe("resilientWatch", () => {
  it("reopens from the offset reached when the hub blinks; the browser sees one started and the text go on", async () => {
    const service = aService(
      { events: [started, delta("ab🚀", 2)], thenThrow: hubBlink() },
      { events: [started], thenThrow: hubBlink() },
      { events: [started, delta("cdef", 5), finished] },
    );
    const seen = await texts({
      open: service.open,
      fromOffset: 2,
      signal: undefined,
      log: silent,
      firstWaitMs: 1,
    });
    expect(seen).toEqual(["started", "ab🚀", "cdef", "finished"]);
    expect(service.asked).toEqual([2, 5, 5]);
  });

  it("passes every other error through at once", async () => {
    const service = aService({
      events: [started],
      thenThrow: serviceError(Code.NotFound, "reply.not_found"),
    });
    await expect(
      texts({ open: service.open, fromOffset: 0, signal: undefined, log: silent }),
    ).rejects.toMatchObject({
      code: Code.NotFound,
    });
    expect(service.asked).toEqual([0]);
  });

  it("gives up after its time, with the hub's error", async () => {
    const blinks = Array.from({ length: 50 }, () => ({ events: [], thenThrow: hubBlink() }));
    const service = aService(...blinks);
    await expect(
      texts({
        open: service.open,
        fromOffset: 0,
        signal: undefined,
        log: silent,
        firstWaitMs: 1,
        giveUpAfterMs: 20,
      }),
    ).rejects.toMatchObject({ code: Code.Unavailable });
    expect(service.asked.length).toBeLessThan(50);
  });
});
