/**
 * The BFF's client of the chat service: Connect's gRPC transport over HTTP/2 (one multiplexed session per
 * process), the service token added server-side. The browser never sees the token or this module.
 */
import "server-only";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { traceConnectCalls } from "../tracing/trace-context";

export type ChatServiceClient = Client<typeof ChatService>;

export interface ChatServiceClientOptions {
  /** e.g. `http://127.0.0.1:8080` (h2c) or an https URL. */
  baseUrl: string;
  /** The service's AUTH_TOKEN; null when the service runs open. */
  token: string | null;
  /** More interceptors (tests count calls with one). */
  interceptors?: Interceptor[];
}

export function createChatServiceClient(options: ChatServiceClientOptions): ChatServiceClient {
  return createClient(ChatService, createServiceTransport(options));
}

/** gRPC over HTTP/2 to the service, with the token on every call. */
export function createServiceTransport(options: ChatServiceClientOptions): Transport {
  const interceptors: Interceptor[] = [traceConnectCalls, ...(options.interceptors ?? [])];
  if (options.token !== null) {
    const authorization = `Bearer ${options.token}`;
    interceptors.push((next) => (request) => {
      request.header.set("authorization", authorization);
      return next(request);
    });
  }
  return createGrpcTransport({ baseUrl: options.baseUrl, interceptors });
}

/**
 * The `user_id` the service knows a web user by: namespaced, so web users can never collide with
 * WhatsApp senders or other callers of the service.
 */
export function serviceUserId(authUserId: string): string {
  return `web:${authUserId}`;
}
