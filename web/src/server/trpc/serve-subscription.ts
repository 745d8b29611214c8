/**
 * One tRPC subscription over SSE (`httpSubscriptionLink`'s GET), served on the Node response: the same
 * procedure call as tRPC's resolver makes (input from `?input=`, the resumed event id merged into it as
 * `lastEventId`, the router's middlewares, `opts.signal` aborted when the browser leaves), and its events
 * written by `writeSse`. What tRPC answers with an error status (the context cannot be built) is answered
 * the same way; an error from the procedure or its events ends the stream with `serialized-error`, as
 * tRPC does.
 */
import "server-only";
import type { ServerResponse } from "node:http";
import {
  getErrorShape,
  getHTTPStatusCodeFromError,
  getLastEventId,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  transformTRPCResponse,
  TRPCError,
  type AnyProcedure,
  type AnyRouter,
} from "@trpc/server/unstable-core-do-not-import";
import { writeSse } from "./sse-writer";

export interface SubscriptionCall {
  router: AnyRouter;
  procedure: AnyProcedure;
  /** The procedure's path, e.g. `chat.send`. */
  path: string;
  url: URL;
  /** The request's headers, as the context and `Last-Event-ID` are read from them. */
  headers: Headers;
  createContext: () => Promise<unknown>;
  onError: (failure: { error: TRPCError; path: string; type: "subscription" }) => void;
}

export async function serveSubscription(response: ServerResponse, call: SubscriptionCall): Promise<void> {
  const { router, procedure, path } = call;
  const config = router._def._config;
  const left = new AbortController();
  response.once("close", () => left.abort());
  const lastEventId = getLastEventId({ headers: call.headers, searchParams: call.url.searchParams });
  let ctx: unknown;
  try {
    ctx = await call.createContext();
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    call.onError({ error, path, type: "subscription" });
    const shape = getErrorShape({
      config,
      ctx: undefined,
      error,
      input: undefined,
      path,
      type: "subscription",
    });
    response
      .writeHead(getHTTPStatusCodeFromError(error), { "content-type": "application/json" })
      .end(JSON.stringify(transformTRPCResponse(config, { error: shape })));
    return;
  }
  let input: unknown;
  const formatError = (cause: unknown) => {
    const error = getTRPCErrorFromUnknown(cause);
    call.onError({ error, path, type: "subscription" });
    return getErrorShape({ config, ctx, error, input, path, type: "subscription" });
  };
  let events: AsyncIterable<unknown>;
  try {
    const data: unknown = await procedure({
      path,
      ctx,
      type: "subscription",
      signal: left.signal,
      batchIndex: 0,
      getRawInput: async () => (input = rawInput(call.url, config, lastEventId)),
    });
    if (!isAsyncIterable(data)) {
      throw new TRPCError({
        code: "INTERNAL_SERVER_ERROR",
        message: `Subscription ${path} did not return an AsyncGenerator`,
      });
    }
    events = data;
  } catch (error) {
    events = failing(error);
  }
  const ping = config.sse?.ping;
  await writeSse(response, events, {
    serialize: (data) => config.transformer.output.serialize(data),
    formatError,
    client: config.sse?.client ?? {},
    pingMs: ping?.enabled ? (ping.intervalMs ?? 1_000) : 0,
    lastEventId,
    signal: left.signal,
  });
}

/** The input as tRPC reads it for a subscription: JSON in `?input=`, with `lastEventId` merged in. */
function rawInput(url: URL, config: AnyRouter["_def"]["_config"], lastEventId: string | null): unknown {
  const text = url.searchParams.get("input");
  let input: unknown;
  if (text !== null) {
    try {
      input = config.transformer.input.deserialize(JSON.parse(text));
    } catch (cause) {
      throw new TRPCError({ code: "PARSE_ERROR", message: "Failed to parse input", cause });
    }
  }
  if (!lastEventId) return input;
  return isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
}

/** Events that fail at once: how tRPC reports an error of the call itself (after `connected`). */
function failing(error: unknown): AsyncIterable<never> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
}
