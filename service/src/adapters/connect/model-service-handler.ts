/**
 * `parley.models.v1.ModelService` over the model catalog. The list is the same for every caller; the auth
 * interceptor guards it like ChatService (the service token or a personal key).
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { ModelService } from "@parley/gen/parley/models/v1/models_pb";
import type { ModelCatalog } from "../../application/model-catalog.js";

export function createModelServiceHandler(catalog: () => ModelCatalog): ServiceImpl<typeof ModelService> {
  return {
    listModels() {
      const { models, defaultModel } = catalog();
      return {
        models: models.map((model) => ({
          id: model.id,
          displayName: model.displayName,
          providerId: model.providerId,
          contextWindow: model.contextWindow,
          maxOutputTokens: model.maxOutputTokens,
          encoding: model.encoding,
          price: {
            inputUsdPerMillionTokens: model.price.input,
            outputUsdPerMillionTokens: model.price.output,
            currencyCode: "USD",
          },
        })),
        defaultModel: defaultModel.id,
      };
    },
  };
}
