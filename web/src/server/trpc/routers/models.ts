/** models.*: the models a chat may pick, as the service's ModelService lists them. */
import "server-only";
import { TRPCError } from "@trpc/server";
import type { ModelList } from "~/lib/model-types";
import { callService } from "../connect-errors";
import { createRouter, protectedProcedure } from "../init";

const unaryTimeoutMs = 15_000;

export const modelsRouter = createRouter({
  /** Every configured model, the default first, with its context window. */
  list: protectedProcedure.query(async ({ ctx }): Promise<ModelList> => {
    const client = ctx.models;
    if (!client) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "No model list here." });
    const list = await callService(ctx.log, "ListModels", () =>
      client.listModels({}, { timeoutMs: unaryTimeoutMs }),
    );
    return {
      models: list.models.map((model) => ({
        id: model.id,
        displayName: model.displayName,
        providerId: model.providerId,
        contextWindow: model.contextWindow,
        maxOutputTokens: model.maxOutputTokens,
      })),
      defaultModel: list.defaultModel,
    };
  }),
});
