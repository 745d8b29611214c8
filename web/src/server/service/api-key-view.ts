/** ApiKeyService messages → the browser's plain JSON types (`~/lib/api-key-types`). */
import "server-only";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ApiKey } from "@parley/gen/parley/keys/v1/keys_pb";
import type { ApiKeyView } from "~/lib/api-key-types";

const isoOrNull = (timestamp: Timestamp | undefined) =>
  timestamp ? timestampDate(timestamp).toISOString() : null;

export function toApiKeyView(key: ApiKey | undefined): ApiKeyView {
  return {
    id: key?.id ?? "",
    name: key?.name ?? "",
    prefix: key?.prefix ?? "",
    createdAt: isoOrNull(key?.createTime) ?? new Date(0).toISOString(),
    expiresAt: isoOrNull(key?.expireTime),
    revokedAt: isoOrNull(key?.revokeTime),
    lastUsedAt: isoOrNull(key?.lastUseTime),
  };
}
