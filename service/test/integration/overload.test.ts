// Admission control (issue #15 row 13), end to end over a real MariaDB and the real protocols: with
// MAX_LIVE_REPLIES = 2 and two slow replies live, a new SendMessage is refused with UNAVAILABLE
// `server.overloaded` + RetryInfo (503 + Retry-After on /chat, UNAVAILABLE on the legacy ChatStream),
// nothing is written or sent upstream, the live replies and their watches go on, and once one ends a
// send is accepted again.
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protocols, startParley, testToken, type Harness } from "../support/parley-harness.js";
import { refusedLegacyChatStream } from "../support/legacy-chat-stream.js";
import { collectReply, expectCode, rowCounts } from "../support/rpc-probes.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({ settings: { maxLiveReplies: 2 } });
});
afterAll(() => harness?.stop());

const aUser = () => `overload-${randomUUID()}`;

/** Opens a SendMessage and reads it until `started`; the stream stays open (the reply goes on). */
async function startReply(text: string) {
  const userId = aUser();
  const stream = harness.client("grpc").sendMessage({ userId, text })[Symbol.asyncIterator]();
  for (;;) {
    const next = await stream.next();
    if (next.done) throw new Error("ended without starting");
    if (next.value.event?.kind.case === "started")
      return { userId, started: next.value.event.kind.value, stream };
  }
}

/** What must not change when a message is refused: every row and the simulator's requests. */
async function footprint() {
  return { rows: await rowCounts(harness), upstream: harness.simulator.requests.length };
}

function detailsOf(error: ConnectError) {
  const info = error.findDetails(ErrorInfoSchema)[0];
  const retry = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  const retryMs = retry ? Number(retry.seconds) * 1000 + retry.nanos / 1e6 : null;
  return { reason: info?.reason, metadata: info?.metadata, retryMs };
}

describe("overload: new replies beyond MAX_LIVE_REPLIES", () => {
  it("are refused on every channel with nothing written; live replies go on; a slot frees again", async () => {
    // Slow answers, held live until stopped (the test never waits on their pace).
    harness.simulator.when("slow", { deltas: Array.from({ length: 400 }, () => "word "), paceMs: 50 });
    const first = await startReply("slow");
    const second = await startReply("slow");
    const before = await footprint();

    for (const protocol of protocols) {
      const error = await expectCode(
        harness.client(protocol).sendMessage({ userId: aUser(), text: "Hello there" }),
        Code.Unavailable,
      );
      expect(error.rawMessage).toBe(
        "this server is answering as many messages as it can; try again in a moment",
      );
      expect(detailsOf(error)).toEqual({
        reason: "server.overloaded",
        metadata: { maxLiveReplies: "2" },
        retryMs: 1_000,
      });
    }

    const response = await fetch(`${harness.baseUrl}/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${testToken}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: aUser(), user_message: "Hello there" }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toMatchObject({ error: { code: "server.overloaded" } });

    const legacy = await refusedLegacyChatStream(harness.port, testToken, {
      user_id: aUser(),
      user_message: "Hello there",
    });
    expect(legacy.code).toBe(grpc.status.UNAVAILABLE);
    expect(decodeURIComponent(legacy.details)).toBe(
      "this server is answering as many messages as it can; try again in a moment",
    );
    expect(await footprint()).toEqual(before);

    // A watch of a live reply is not a new reply: it is served, and the live reply was not cut.
    const watchCall = harness
      .client("grpc")
      .watchReply({ userId: first.userId, replyId: first.started.replyId, fromOffset: 0 });
    const watch = watchCall[Symbol.asyncIterator]();
    expect((await watch.next()).done).toBe(false);
    await watch.return?.(undefined);
    expect((await first.stream.next()).done).toBe(false);

    // One ends (stopped): once its slot is released a new send is accepted again.
    await harness.client("grpc").stopReply({ userId: second.userId, replyId: second.started.replyId });
    await expect
      .poll(async () => {
        const reply = await collectReply(
          harness.client("grpc").sendMessage({ userId: aUser(), text: "Hello there" }),
        );
        return reply.error?.rawMessage ?? "accepted";
      })
      .toBe("accepted");
    await harness.client("grpc").stopReply({ userId: first.userId, replyId: first.started.replyId });
    await first.stream.return?.(undefined);
  });
});
