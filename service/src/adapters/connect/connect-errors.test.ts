import { Code, ConnectError, type StreamResponse } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { createErrorInterceptor } from "./connect-errors.js";

/** Runs the interceptor around a streaming call whose stream throws `error`; returns what the caller sees. */
async function streamFailing(error: unknown, callerLeft: boolean) {
  const logged: string[] = [];
  const logger = { info() {}, warn() {}, error: (message: string) => logged.push(message) };
  const abort = new AbortController();
  if (callerLeft) abort.abort();
  async function* failing(): AsyncGenerator<never> {
    yield* [];
    throw error;
  }
  const next = async () => ({ stream: true, message: failing() }) as unknown as StreamResponse;
  const call = createErrorInterceptor(logger)(next as never);
  const response = (await call({ signal: abort.signal } as never)) as StreamResponse;
  const seen = await (async () => {
    for await (const _ of response.message) continue;
  })().catch((caught: unknown) => caught as ConnectError);
  return { seen, logged };
}

describe("the error interceptor on a stream", () => {
  it("maps an unexpected failure to INTERNAL and logs it", async () => {
    const { seen, logged } = await streamFailing(new Error("boom"), false);
    expect(seen).toMatchObject({ code: Code.Internal, rawMessage: "internal error" });
    expect(logged).toEqual(["unexpected error in an RPC"]);
  });

  it("takes a failure after the caller left (a write to its destroyed stream) as its cancellation", async () => {
    const { seen, logged } = await streamFailing(new Error("ERR_HTTP2_INVALID_STREAM"), true);
    expect(seen).toMatchObject({ code: Code.Canceled });
    expect(logged).toEqual([]);
  });

  it("still maps a domain error with its code after the caller left", async () => {
    const { seen } = await streamFailing(new DomainError("reply.not_found", "reply r not found"), true);
    expect(seen).toMatchObject({ code: Code.NotFound });
  });
});
