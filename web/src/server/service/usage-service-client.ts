/**
 * The BFF's client of the service's UsageService, with the service token and the session's user (as for
 * ChatService). Its own transport: usage is read now and then, not worth coupling to the chat client.
 */
import "server-only";
import { createClient, type Client } from "@connectrpc/connect";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import { createServiceTransport, type ChatServiceClientOptions } from "./chat-service-client";

export type UsageServiceClient = Client<typeof UsageService>;

export function createUsageServiceClient(options: ChatServiceClientOptions): UsageServiceClient {
  return createClient(UsageService, createServiceTransport(options));
}
