/**
 * The BFF's client of the service's ModelService (which models a chat may pick), with the service token,
 * as for the other services. Its own transport, like the usage client.
 */
import "server-only";
import { createClient, type Client } from "@connectrpc/connect";
import { ModelService } from "@parley/gen/parley/models/v1/models_pb";
import { createServiceTransport, type ChatServiceClientOptions } from "./chat-service-client";

export type ModelServiceClient = Client<typeof ModelService>;

export function createModelServiceClient(options: ChatServiceClientOptions): ModelServiceClient {
  return createClient(ModelService, createServiceTransport(options));
}
