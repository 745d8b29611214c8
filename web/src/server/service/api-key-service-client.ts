/**
 * The BFF's client of the service's ApiKeyService, with the service token (only the token may manage
 * keys; the service refuses personal keys). Its own transport: key management is rare, so sharing the
 * chat client's HTTP/2 session buys nothing worth coupling the two for.
 */
import "server-only";
import { createClient, type Client } from "@connectrpc/connect";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import { createServiceTransport, type ChatServiceClientOptions } from "./chat-service-client";

export type ApiKeyServiceClient = Client<typeof ApiKeyService>;

export function createApiKeyServiceClient(options: ChatServiceClientOptions): ApiKeyServiceClient {
  return createClient(ApiKeyService, createServiceTransport(options));
}
