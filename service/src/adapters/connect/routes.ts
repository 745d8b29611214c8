/** Every Connect/gRPC service the server offers, on one router. */
import type { ConnectRouter } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import { ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { Health } from "@parley/gen/grpc/health/v1/health_pb";
import { ModelService } from "@parley/gen/parley/models/v1/models_pb";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import { TransferService } from "@parley/gen/parley/transfer/v1/transfer_pb";
import { SearchService } from "@parley/gen/parley/search/v1/search_pb";
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
import { createModelServiceHandler } from "./model-service-handler.js";
import { registerReflection } from "./reflection.js";
import { createUsageServiceHandler, type UsageUseCases } from "./usage-service-handler.js";
import { createTransferServiceHandler, type TransferUseCases } from "./transfer-service-handler.js";
import { createSearchServiceHandler, type SearchUseCases } from "./search-service-handler.js";

/** The services whose health is reported by name, besides "" (the whole server). */
export const servedServiceNames = [
  ChatService.typeName,
  LegacyChatService.typeName,
  UsageService.typeName,
  ApiKeyService.typeName,
  ModelService.typeName,
  TransferService.typeName,
  SearchService.typeName,
  PresetService.typeName,
];

/** The use cases behind each service, and the request bound the binary-request check enforces. */
export interface RoutedServices {
  chat: ChatUseCases;
  usage: UsageUseCases;
  keys: ApiKeyUseCases;
  transfer: TransferUseCases;
  search: SearchUseCases;
  presets: PresetUseCases;
  health: HealthService;
  maxRequestBytes: number;
}

export function createRoutes(services: RoutedServices) {
  const { chat, usage, keys, transfer, search, presets, health, maxRequestBytes } = services;
  return (router: ConnectRouter) => {
    router.service(ChatService, createChatServiceHandler(chat));
    router.service(LegacyChatService, createLegacyChatServiceHandler(chat));
    router.service(UsageService, createUsageServiceHandler(usage));
    router.service(ApiKeyService, createApiKeyServiceHandler(keys));
    router.service(
      ModelService,
      createModelServiceHandler(() => chat.models),
    );
    router.service(TransferService, createTransferServiceHandler(transfer));
    router.service(SearchService, createSearchServiceHandler(search));
    router.service(PresetService, createPresetServiceHandler(presets));
    health.register(router);
    registerReflection(router, [
      ChatService,
      LegacyChatService,
      UsageService,
      ApiKeyService,
      ModelService,
      TransferService,
      SearchService,
      PresetService,
      Health,
    ]);
    checkBinaryRequests(router, maxRequestBytes);
  };
}
