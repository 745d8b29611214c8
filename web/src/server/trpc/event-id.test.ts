import { describe, expect, it } from "vitest";
import { formatEventId, parseEventId } from "./event-id";

describe("reply event ids", () => {
  it("round-trip a reply id and an offset", () => {
    const id = formatEventId({ replyId: "01a2277a-7e73-72bf-812a-283bc3d91df5", offset: 42 });
    expect(id).toBe("01a2277a-7e73-72bf-812a-283bc3d91df5:42");
    expect(parseEventId(id)).toEqual({ replyId: "01a2277a-7e73-72bf-812a-283bc3d91df5", offset: 42 });
  });

  it.each([null, undefined, "", "abc", "abc:", ":12", "a b:1", "abc:-1", "abc:1.5", `${"x".repeat(65)}:1`])(
    "reject %j",
    (id) => expect(parseEventId(id)).toBeNull(),
  );
});
