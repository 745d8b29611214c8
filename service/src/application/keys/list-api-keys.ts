/** A user's API keys, newest first: what describes them, never a secret or hash. */
import type { ApiKey } from "../../domain/api-key.js";
import { requireUserId } from "../input-rules.js";
import type { ApiKeyDeps } from "./api-key-deps.js";

export interface ListApiKeysInput {
  userId: string;
}

export function listApiKeys(deps: ApiKeyDeps, input: ListApiKeysInput): Promise<ApiKey[]> {
  return deps.store.listByUser(requireUserId(input.userId));
}
