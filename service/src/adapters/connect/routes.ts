/** Every Connect/gRPC service the server offers, on one router. */
import type { ConnectRouter } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import { ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { Health } from "@parley/gen/grpc/health/v1/health_pb";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import { PresetService } from "@parley/gen/parley/presets/v1/presets_pb";
import type { PresetUseCases } from "../../application/presets/preset-use-cases.js";
import { createPresetServiceHandler } from "./preset-service-handler.js";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { ApiKeyUseCases } from "../../application/keys/api-key-use-cases.js";
import { createApiKeyServiceHandler } from "./api-key-service-handler.js";
import { createChatServiceHandler } from "./chat-service-handler.js";
import type { HealthService } from "./health.js";
import { createLegacyChatServiceHandler } from "./legacy-chat-service-handler.js";
import { checkBinaryRequests } from "./binary-request-check.js";
import { registerReflection } from "./reflection.js";
import { createUsageServiceHandler, type UsageUseCases } from "./usage-service-handler.js";

/** The services whose health is reported by name, besides "" (the whole server). */
export const servedServiceNames = [
  ChatService.typeName,
  LegacyChatService.typeName,
  UsageService.typeName,
  ApiKeyService.typeName,
  PresetService.typeName,
];

export function createRoutes(
  useCases: ChatUseCases,
  usage: UsageUseCases,
  keys: ApiKeyUseCases,
  health: HealthService,
  maxRequestBytes: number,
  presets: PresetUseCases,
) {
  return (router: ConnectRouter) => {
    router.service(ChatService, createChatServiceHandler(useCases));
    router.service(LegacyChatService, createLegacyChatServiceHandler(useCases));
    router.service(UsageService, createUsageServiceHandler(usage));
    router.service(ApiKeyService, createApiKeyServiceHandler(keys));
    router.service(PresetService, createPresetServiceHandler(presets));
    health.register(router);
    registerReflection(router, [
      ChatService,
      LegacyChatService,
      UsageService,
      ApiKeyService,
      PresetService,
      Health,
    ]);
    checkBinaryRequests(router, maxRequestBytes);
  };
}
