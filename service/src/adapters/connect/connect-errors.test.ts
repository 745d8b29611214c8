import { Code, ConnectError, createContextValues, type StreamResponse } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { accountBlocked, DomainError } from "../../domain/errors.js";
import { rateRefusal } from "../../domain/limits.js";
import { claimStreamErrorMapping, createErrorInterceptor, toConnectError } from "./connect-errors.js";
import { createRequestIdInterceptor } from "./request-id-interceptor.js";

/** Runs the interceptor around a streaming call whose stream throws `error`; returns what the caller sees. */
async function streamFailing(error: unknown, callerLeft: boolean) {
  const logged: string[] = [];
  const fields: Record<string, unknown>[] = [];
  const logger = {
    info() {},
    warn() {},
    error: (message: string, own?: Record<string, unknown>) => {
      logged.push(message);
      fields.push(own ?? {});
    },
  };
  const abort = new AbortController();
  if (callerLeft) abort.abort();
  async function* failing(): AsyncGenerator<never> {
    yield* [];
    throw error;
  }
  const next = async () =>
    ({ stream: true, message: failing(), header: new Headers() }) as unknown as StreamResponse;
  // Behind the request id interceptor, as in the app: the line names the call.
  const call = createRequestIdInterceptor()(createErrorInterceptor(logger)(next as never));
  const request = {
    signal: abort.signal,
    contextValues: createContextValues(),
    header: new Headers({ "x-request-id": "req-7" }),
  };
  const response = (await call(request as never)) as StreamResponse;
  const seen = await (async () => {
    for await (const _ of response.message) continue;
  })().catch((caught: unknown) => caught as ConnectError);
  return { seen, logged, fields };
}

describe("the error interceptor on a stream", () => {
  it("maps an unexpected failure to INTERNAL and logs it", async () => {
    const { seen, logged, fields } = await streamFailing(new Error("boom"), false);
    expect(seen).toMatchObject({ code: Code.Internal, rawMessage: "internal error" });
    expect(logged).toEqual(["unexpected error in an RPC"]);
    expect(fields[0]).toMatchObject({ request_id: "req-7" });
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

describe("a stream that maps its own errors (the reply streams)", () => {
  const logger = { info() {}, warn() {}, error() {} };
  /** Runs the interceptor around a streaming handler that returns `message`, claiming the mapping or not. */
  async function call(message: AsyncIterable<unknown>, claim: boolean) {
    let mapping: ((error: unknown) => Error) | null = null;
    const next = async (request: { contextValues: ReturnType<typeof createContextValues> }) => {
      if (claim) mapping = claimStreamErrorMapping(request.contextValues);
      return { stream: true, message, header: new Headers() } as unknown as StreamResponse;
    };
    const request = {
      stream: true,
      signal: new AbortController().signal,
      contextValues: createContextValues(),
      header: new Headers(),
    };
    const response = (await createErrorInterceptor(logger)(next as never)(
      request as never,
    )) as StreamResponse;
    return { response, mapping: mapping as ((error: unknown) => Error) | null };
  }

  it("gets the interceptor's mapping, and the interceptor leaves its stream unwrapped", async () => {
    const message = (async function* () {})();
    const { response, mapping } = await call(message, true);
    expect(response.message).toBe(message);
    expect(mapping!(new DomainError("reply.not_found", "reply r not found"))).toMatchObject({
      code: Code.NotFound,
      rawMessage: "reply r not found",
    });
    expect(mapping!(new Error("boom"))).toMatchObject({ code: Code.Internal, rawMessage: "internal error" });
  });

  it("a stream that does not claim it is still wrapped and mapped", async () => {
    const failing = (async function* () {
      yield* [];
      throw new DomainError("reply.not_found", "reply r not found");
    })();
    const { response } = await call(failing, false);
    expect(response.message).not.toBe(failing);
    const seen = await (async () => {
      for await (const _ of response.message) continue;
    })().catch((caught: unknown) => caught);
    expect(seen).toMatchObject({ code: Code.NotFound });
  });

  it("without the interceptor there is nothing to claim", () => {
    expect(claimStreamErrorMapping(createContextValues())).toBeNull();
  });
});

describe("a limit refusal", () => {
  it("is RESOURCE_EXHAUSTED with ErrorInfo (limit, resetAt) and a RetryInfo of the wait", () => {
    const now = new Date("2026-03-31T23:59:58.500Z");
    const error = toConnectError(rateRefusal(20, 1_500, now), { info() {}, warn() {}, error() {} });
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "limit.rate",
      metadata: { limit: "20", resetAt: "2026-04-01T00:00:00.000Z" },
    });
    expect(error.findDetails(RetryInfoSchema)[0]?.retryDelay).toMatchObject({
      seconds: 1n,
      nanos: 500_000_000,
    });
  });

  it("and other domain errors carry no RetryInfo", () => {
    const error = toConnectError(accountBlocked(), { info() {}, warn() {}, error() {} });
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.findDetails(RetryInfoSchema)).toEqual([]);
  });
});
