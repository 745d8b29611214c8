/** A real Connect-ES gRPC client, as a caller such as the web BFF uses one, for latency measurements. */
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth } from "@parley/test-support";
import { benchToken } from "./grpc-load.mjs";

export function chatClient(baseUrl) {
  return createClient(ChatService, createGrpcTransport({ baseUrl, interceptors: [bearerAuth(benchToken)] }));
}

/** Sends one message and reads the reply to its end; resolves with ms from the call to the first delta. */
export async function timeToFirstDelta(client, { userId, chatId, text }) {
  const start = performance.now();
  let ttft = NaN;
  for await (const { event } of client.sendMessage({ userId, chatId, text })) {
    if (event?.kind.case === "delta" && Number.isNaN(ttft)) ttft = performance.now() - start;
  }
  return ttft;
}
