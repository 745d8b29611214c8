/**
 * The BFF's client of the service's PresetService, with the service token on the session user's behalf.
 * Its own transport, as for API keys: presets are edited rarely.
 */
import "server-only";
import { createClient, type Client } from "@connectrpc/connect";
import { PresetService } from "@parley/gen/parley/presets/v1/presets_pb";
import { createServiceTransport, type ChatServiceClientOptions } from "./chat-service-client";

export type PresetServiceClient = Client<typeof PresetService>;

export function createPresetServiceClient(options: ChatServiceClientOptions): PresetServiceClient {
  return createClient(PresetService, createServiceTransport(options));
}
