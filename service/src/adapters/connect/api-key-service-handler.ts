/**
 * `parley.keys.v1.ApiKeyService` over the API key use cases. Only the service token may call it, for the
 * user it names: a personal key is refused (`key.not_allowed`), so a leaked key cannot mint more keys or
 * revoke its owner's others. Errors are mapped by the error interceptor, as for every RPC.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import type { ApiKeyUseCases } from "../../application/keys/api-key-use-cases.js";
import { requireServiceToken } from "./caller-context.js";
import { apiKeyToProto } from "./proto-mapping.js";

export function createApiKeyServiceHandler(keys: ApiKeyUseCases): ServiceImpl<typeof ApiKeyService> {
  return {
    async createApiKey(request, context) {
      requireServiceToken(context);
      const created = await keys.createApiKey({
        userId: request.userId,
        name: request.name,
        expiresAt: request.expireTime ? timestampDate(request.expireTime) : undefined,
      });
      return { key: created.key, apiKey: apiKeyToProto(created.apiKey) };
    },
    async listApiKeys(request, context) {
      requireServiceToken(context);
      const list = await keys.listApiKeys({ userId: request.userId });
      return { apiKeys: list.map(apiKeyToProto) };
    },
    async revokeApiKey(request, context) {
      requireServiceToken(context);
      const revoked = await keys.revokeApiKey({ userId: request.userId, keyId: request.keyId });
      return { apiKey: apiKeyToProto(revoked) };
    },
  };
}
