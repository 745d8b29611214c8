// How an import names the runs of a chat's messages: as startTurn does, one turn at a time.
import { describe, expect, it } from "vitest";
import { chainIdsOf } from "../../src/adapters/mysql/message-tree.js";

describe("chainIdsOf", () => {
  it.each([
    {
      name: "one path: one run, the first message's (null)",
      written: [
        ["u1", null],
        ["a1", "u1"],
        ["u2", "a1"],
      ],
      runs: [null, null, null],
    },
    {
      name: "an answer written again starts its run; the next turn on it continues that run",
      written: [
        ["u1", null],
        ["a1", "u1"],
        ["a1'", "u1"],
        ["u2", "a1'"],
        ["a2", "u2"],
      ],
      runs: [null, null, "a1'", "a1'", "a1'"],
    },
    {
      name: "an edited first message is a run of its own",
      written: [
        ["u1", null],
        ["a1", "u1"],
        ["u1'", null],
        ["a1'", "u1'"],
      ],
      runs: [null, null, "u1'", "u1'"],
    },
  ])("$name", ({ written, runs }) => {
    expect(chainIdsOf(written.map(([id, parentId]) => ({ id: id!, parentId: parentId ?? null })))).toEqual(
      runs,
    );
  });
});
