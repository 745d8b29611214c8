/**
 * keys.*: the signed-in user's personal API keys, each procedure one call to the service's ApiKeyService
 * with the service token on the session user's behalf. A new key's secret passes through once, in
 * `create`'s answer; nothing here stores or logs it.
 */
import "server-only";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { z } from "zod";
import { maxKeyNameLength, type ApiKeyView, type CreatedApiKey } from "~/lib/api-key-types";
import { toApiKeyView } from "../../service/api-key-view";
import { callService } from "../connect-errors";
import { createRouter, protectedProcedure } from "../init";

const unaryTimeoutMs = 15_000;
const dayMs = 24 * 60 * 60 * 1000;

export const keysRouter = createRouter({
  /** The user's keys, newest first, revoked ones included. */
  list: protectedProcedure.query(async ({ ctx }): Promise<ApiKeyView[]> => {
    const listed = await callService(ctx.log, "ListApiKeys", () =>
      ctx.keys.listApiKeys({ userId: ctx.userId }, { timeoutMs: unaryTimeoutMs }),
    );
    return listed.apiKeys.map(toApiKeyView);
  }),

  /** Mints a key; its secret is in this answer only. */
  create: protectedProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "Give the key a name.").max(maxKeyNameLength),
        expiresInDays: z.number().int().min(1).max(3650).nullish(),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<CreatedApiKey> => {
      const expireTime = input.expiresInDays
        ? timestampFromDate(new Date(Date.now() + input.expiresInDays * dayMs))
        : undefined;
      const created = await callService(ctx.log, "CreateApiKey", () =>
        ctx.keys.createApiKey(
          { userId: ctx.userId, name: input.name, ...(expireTime && { expireTime }) },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return { key: created.key, apiKey: toApiKeyView(created.apiKey) };
    }),

  /** Revokes a key for good (every replica refuses it within seconds). */
  revoke: protectedProcedure
    .input(z.object({ keyId: z.string().uuid() }))
    .mutation(async ({ ctx, input }): Promise<ApiKeyView> => {
      const revoked = await callService(ctx.log, "RevokeApiKey", () =>
        ctx.keys.revokeApiKey({ userId: ctx.userId, keyId: input.keyId }, { timeoutMs: unaryTimeoutMs }),
      );
      return toApiKeyView(revoked.apiKey);
    }),
});
