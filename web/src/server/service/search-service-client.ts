/**
 * The BFF's client of the service's SearchService, with the service token and the session's user (as for
 * ChatService), on its own transport like UsageService.
 */
import "server-only";
import { createClient, type Client } from "@connectrpc/connect";
import { SearchService } from "@parley/gen/parley/search/v1/search_pb";
import { createServiceTransport, type ChatServiceClientOptions } from "./chat-service-client";

export type SearchServiceClient = Client<typeof SearchService>;

export function createSearchServiceClient(options: ChatServiceClientOptions): SearchServiceClient {
  return createClient(SearchService, createServiceTransport(options));
}
