/**
 * The search router against a fake SearchService: it searches as the signed-in user only, passes the
 * cursor on, and turns the results into plain JSON (segments kept, roles as words, times as ISO).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { SearchChatsResponseSchema, SearchResultRole } from "@parley/gen/parley/search/v1/search_pb";
import { describe, expect, it } from "vitest";
import {
  createFakeChatService,
  createFakeSearchService,
  fakeServiceCaller,
} from "../../../../test/support/fake-chat-service";
import { rejection } from "../../../../test/support/trpc-probes";

const response = create(SearchChatsResponseSchema, {
  results: [
    {
      chatId: "c1",
      chatTitle: "Trip",
      messageId: "m1",
      role: SearchResultRole.USER,
      snippet: [
        { text: "Plan a day at ", highlight: false },
        { text: "東京", highlight: true },
      ],
      matchedAt: timestampFromDate(new Date("2026-12-03T10:00:00Z")),
    },
    { chatId: "c1", chatTitle: "Trip", messageId: "", role: SearchResultRole.TITLE, snippet: [] },
  ],
  nextPageToken: "next",
});

describe("search router", () => {
  it("searches the signed-in user's chats and converts the page to JSON", async () => {
    const fake = createFakeSearchService({ searchChats: () => response });
    const caller = await fakeServiceCaller(createFakeChatService({}).chat, "alice", undefined, {
      search: fake.search,
    });

    const page = await caller.search.chats({ query: "東京", cursor: "prev" });
    expect(fake.calls).toEqual([
      {
        method: "searchChats",
        request: expect.objectContaining({
          userId: "web:alice",
          query: "東京",
          pageSize: 20,
          pageToken: "prev",
        }),
      },
    ]);
    expect(page).toEqual({
      results: [
        {
          chatId: "c1",
          chatTitle: "Trip",
          messageId: "m1",
          role: "user",
          snippet: [
            { text: "Plan a day at ", highlight: false },
            { text: "東京", highlight: true },
          ],
          matchedAt: "2026-12-03T10:00:00.000Z",
        },
        {
          chatId: "c1",
          chatTitle: "Trip",
          messageId: null,
          role: "title",
          snippet: [],
          matchedAt: "1970-01-01T00:00:00.000Z",
        },
      ],
      nextCursor: "next",
    });
  });

  it("passes the service's refusal of a bad query on as BAD_REQUEST", async () => {
    const fake = createFakeSearchService({
      searchChats: () => {
        throw new ConnectError("query is empty: type the words to search for", Code.InvalidArgument);
      },
    });
    const caller = await fakeServiceCaller(createFakeChatService({}).chat, "alice", undefined, {
      search: fake.search,
    });
    const error = await rejection(caller.search.chats({ query: " " }));
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      message: "The service could not accept that request.",
    });
  });

  it("refuses a signed-out caller without calling the service", async () => {
    const fake = createFakeSearchService({ searchChats: () => response });
    const caller = await fakeServiceCaller(createFakeChatService({}).chat, null, undefined, {
      search: fake.search,
    });
    expect(await rejection(caller.search.chats({ query: "x" }))).toMatchObject({ code: "UNAUTHORIZED" });
    expect(fake.calls).toEqual([]);
  });
});
