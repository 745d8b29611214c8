/** The API key use cases bound to their dependencies, for the adapters (RPC handlers, admin CLI). */
import type { ApiKeyDeps } from "./api-key-deps.js";
import { createApiKey, type CreateApiKeyInput } from "./create-api-key.js";
import { listApiKeys, type ListApiKeysInput } from "./list-api-keys.js";
import { revokeApiKey, type RevokeApiKeyInput } from "./revoke-api-key.js";

export class ApiKeyUseCases {
  constructor(private readonly deps: ApiKeyDeps) {}

  createApiKey(input: CreateApiKeyInput) {
    return createApiKey(this.deps, input);
  }

  listApiKeys(input: ListApiKeysInput) {
    return listApiKeys(this.deps, input);
  }

  revokeApiKey(input: RevokeApiKeyInput) {
    return revokeApiKey(this.deps, input);
  }
}
