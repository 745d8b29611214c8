/** search.*: find words in the signed-in user's chats (titles, their messages, the answers). */
import "server-only";
import { z } from "zod";
import { maxSearchQueryBytes, type SearchPage } from "~/lib/search-types";
import { toSearchPage } from "../../service/search-view";
import { callService } from "../connect-errors";
import { createRouter, protectedProcedure } from "../init";

const unaryTimeoutMs = 15_000;

export const searchRouter = createRouter({
  /** A page of results for `query`, most recently written first; `cursor` from the previous page. */
  chats: protectedProcedure
    .input(
      z.object({
        // Characters here; the service checks the bytes and says so clearly.
        query: z.string().max(maxSearchQueryBytes),
        cursor: z.string().max(128).nullish(),
      }),
    )
    .query(async ({ ctx, input }): Promise<SearchPage> => {
      const response = await callService(ctx.log, "SearchChats", () =>
        ctx.search.searchChats(
          { userId: ctx.userId, query: input.query, pageSize: 20, pageToken: input.cursor ?? "" },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return toSearchPage(response);
    }),
});
