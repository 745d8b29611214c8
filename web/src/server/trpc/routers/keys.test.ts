/**
 * The keys router against a fake ApiKeyService (Connect's router transport): every call is made for the
 * session's user, the secret passes through `create` once, and bad input or a signed-out caller never
 * reaches the service. The browser test (test/e2e/api-keys.e2e.test.ts) proves it end to end.
 */
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CreateApiKeyResponseSchema,
  ListApiKeysResponseSchema,
  RevokeApiKeyResponseSchema,
  type CreateApiKeyRequest,
} from "@parley/gen/parley/keys/v1/keys_pb";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { describe, expect, it } from "vitest";
import { maxKeyNameLength } from "~/lib/api-key-types";
import {
  createFakeApiKeyService,
  createFakeChatService,
  fakeServiceCaller,
} from "../../../../test/support/fake-chat-service";
import { rejection } from "../../../../test/support/trpc-probes";

const created = new Date("2030-01-02T03:04:05.000Z");
const aKey = { id: "01a23c05-9ec5-762f-b72f-8f090bdd682a", name: "laptop", prefix: "pk_Ab12Cd34" };
const keysCaller = async (fake: ReturnType<typeof createFakeApiKeyService>, user: string | null = "alice") =>
  fakeServiceCaller(createFakeChatService({}).chat, user, undefined, { keys: fake.keys });

describe("keys router → ApiKeyService", () => {
  it("lists, creates and revokes as the signed-in user", async () => {
    const fake = createFakeApiKeyService({
      listApiKeys: () =>
        create(ListApiKeysResponseSchema, { apiKeys: [{ ...aKey, createTime: timestampFromDate(created) }] }),
      createApiKey: (request) =>
        create(CreateApiKeyResponseSchema, {
          key: "pk_Ab12Cd34_secret",
          apiKey: { ...aKey, name: request.name, createTime: timestampFromDate(created) },
        }),
      revokeApiKey: () =>
        create(RevokeApiKeyResponseSchema, {
          apiKey: { ...aKey, createTime: timestampFromDate(created), revokeTime: timestampFromDate(created) },
        }),
    });
    const caller = await keysCaller(fake);

    expect(await caller.keys.list()).toEqual([
      { ...aKey, createdAt: created.toISOString(), expiresAt: null, revokedAt: null, lastUsedAt: null },
    ]);
    const before = Date.now();
    expect(await caller.keys.create({ name: "  laptop  ", expiresInDays: 30 })).toMatchObject({
      key: "pk_Ab12Cd34_secret",
      apiKey: { name: "laptop" },
    });
    expect(await caller.keys.revoke({ keyId: aKey.id })).toMatchObject({ revokedAt: created.toISOString() });

    expect(fake.calls.map((call) => call.method)).toEqual(["listApiKeys", "createApiKey", "revokeApiKey"]);
    expect(fake.calls[0]!.request).toMatchObject({ userId: "web:alice" });
    const createRequest = fake.calls[1]!.request as CreateApiKeyRequest;
    expect(createRequest).toMatchObject({ userId: "web:alice", name: "laptop" });
    const expiry = timestampDate(createRequest.expireTime!).getTime() - before;
    expect(expiry).toBeGreaterThanOrEqual(30 * 24 * 3600_000);
    expect(expiry).toBeLessThan(30 * 24 * 3600_000 + 60_000);
    expect(fake.calls[2]!.request).toMatchObject({ userId: "web:alice", keyId: aKey.id });
  });

  it("a key without expiry sends none", async () => {
    const fake = createFakeApiKeyService({
      createApiKey: () => create(CreateApiKeyResponseSchema, { key: "k", apiKey: aKey }),
    });
    await (await keysCaller(fake)).keys.create({ name: "forever" });
    expect((fake.calls[0]!.request as CreateApiKeyRequest).expireTime).toBeUndefined();
  });

  it("refuses a blank or too long name, a malformed key id, and signed-out callers, before the service", async () => {
    const fake = createFakeApiKeyService({});
    const caller = await keysCaller(fake);
    expect((await rejection(caller.keys.create({ name: "   " }))).code).toBe("BAD_REQUEST");
    expect((await rejection(caller.keys.create({ name: "n".repeat(maxKeyNameLength + 1) }))).code).toBe(
      "BAD_REQUEST",
    );
    expect((await rejection(caller.keys.revoke({ keyId: "../other" }))).code).toBe("BAD_REQUEST");
    const signedOut = await keysCaller(fake, null);
    expect((await rejection(signedOut.keys.list())).code).toBe("UNAUTHORIZED");
    expect(fake.calls).toEqual([]);
  });

  it("another user's key is NOT_FOUND with words for people", async () => {
    const fake = createFakeApiKeyService({
      revokeApiKey: () => {
        const info = create(ErrorInfoSchema, { reason: "key.not_found", domain: "parley" });
        throw new ConnectError("API key x not found", Code.NotFound, undefined, [
          { desc: ErrorInfoSchema, value: info },
        ]);
      },
    });
    const error = await rejection((await keysCaller(fake)).keys.revoke({ keyId: aKey.id }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe("This API key does not exist, or it is not yours.");
  });
});
