// Export and import of chats that branch (real MariaDB, real gRPC clients over HTTP/2): a chat with a
// regenerated answer and an edited message exports its whole tree and the path it shows, and imports as a
// new chat that GetChat shows the same way (path, sibling counts, the other branches by their leaf); the
// Markdown export shows the path shown; a file from before branches still imports as one path; a parent
// that is not an earlier message of the same chat is refused, naming where.
import { readFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ExportFormat, ImportOutcome } from "@parley/gen/parley/transfer/v1/transfer_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastPrompt, startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode, rowCounts } from "../support/rpc-probes.js";
import { exportFile, importFile, transferClient, type TransferClient } from "../support/transfer-probes.js";

let harness: Harness;
let transfer: TransferClient;
beforeAll(async () => {
  harness = await startParley();
  transfer = transferClient(harness);
});
afterAll(() => harness?.stop());

const newUser = () => `transfer-branches-${randomUUID()}`;

interface ExportedChat {
  id: string;
  active_leaf_id: string | null;
  messages: { id: string; parent_id: string | null; role: string; content: string }[];
}
const chatsOf = (text: string) => (JSON.parse(text) as { chats: ExportedChat[] }).chats;

/** A chat's tree without its ids: each message's role, content and parent's position; the leaf's position. */
function shape(chat: ExportedChat) {
  const position = new Map(chat.messages.map((m, index) => [m.id, index]));
  return {
    messages: chat.messages.map((m) => [
      m.role,
      m.content,
      m.parent_id === null ? null : position.get(m.parent_id),
    ]),
    activeLeaf: chat.active_leaf_id === null ? null : position.get(chat.active_leaf_id),
  };
}

/** GetChat's path (the active one, or the one to `leafId`) as content with sibling positions. */
async function pathOf(userId: string, chatId: string, leafId = "") {
  const chat = await harness.client("grpc").getChat({ userId, chatId, leafId });
  return chat.messages.map((m) => [m.content, m.siblingIndex, m.siblingCount]);
}

/** The stored tree: content, seq and depth, by seq. */
async function storedRows(chatId: string) {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT content, seq, depth FROM messages WHERE chat_id = ? ORDER BY seq",
    [chatId],
  );
  return rows.map((row) => [row["content"], row["seq"], row["depth"]]);
}

/**
 * q1 → a1 → q2 → a2, a2 answered again (a2'), q1 edited (q1' → a1'), then the first version shown again:
 * its active leaf is a2', which is not the chat's newest message.
 */
async function branchedChat(userId: string) {
  const client = harness.client("grpc");
  harness.simulator.script({ text: "a1" });
  const first = (await collectReply(client.sendMessage({ userId, text: "q1" }))).started!;
  const chatId = first.chatId;
  harness.simulator.script({ text: "a2" });
  await collectReply(client.sendMessage({ userId, chatId, text: "q2" }));
  harness.simulator.script({ text: "a2'" });
  const again = (await collectReply(client.regenerateReply({ userId, chatId }))).started!;
  harness.simulator.script({ text: "a1'" });
  const edited = (
    await collectReply(client.editMessage({ userId, chatId, messageId: first.userMessageId, text: "q1'" }))
  ).started!;
  await client.setActiveBranch({ userId, chatId, messageId: first.userMessageId });
  return { chatId, first, again, edited };
}

describe("export and import of a chat that branches", () => {
  it("exports every branch and the path shown; imported, GetChat shows the same paths and siblings", async () => {
    const alice = newUser();
    const { chatId, again, edited } = await branchedChat(alice);
    const shownPath = [
      ["q1", 0, 2],
      ["a1", 0, 1],
      ["q2", 0, 1],
      ["a2'", 1, 2],
    ];
    expect(await pathOf(alice, chatId)).toEqual(shownPath);

    const file = await exportFile(transfer, alice, ExportFormat.JSON, chatId);
    const [exported] = chatsOf(file.text);
    // The whole tree in the order it was written, each message naming its parent.
    expect(shape(exported!)).toEqual({
      messages: [
        ["user", "q1", null],
        ["assistant", "a1", 0],
        ["user", "q2", 1],
        ["assistant", "a2", 2],
        ["assistant", "a2'", 2],
        ["user", "q1'", null],
        ["assistant", "a1'", 5],
      ],
      activeLeaf: 4,
    });
    expect(exported!.active_leaf_id).toBe(again.replyId);

    const bob = newUser();
    const result = await importFile(transfer, bob, file.text);
    expect(result.chats).toMatchObject([{ outcome: ImportOutcome.IMPORTED, messageCount: 7 }]);
    const imported = result.chats[0]!.chatId;
    expect(await pathOf(bob, imported)).toEqual(shownPath);
    const importedChat = await harness.client("grpc").getChat({ userId: bob, chatId: imported });
    const leaves = chatsOf((await exportFile(transfer, bob, ExportFormat.JSON, imported)).text);
    expect(importedChat.leafId).toBe(leaves[0]!.active_leaf_id);
    // The other branches are there, by their leaves: the edited version and the first answer to q2.
    const newIds = leaves[0]!.messages.map((m) => m.id);
    expect(await pathOf(bob, imported, newIds[6])).toEqual([
      ["q1'", 1, 2],
      ["a1'", 0, 1],
    ]);
    expect(await pathOf(bob, imported, newIds[3])).toEqual(shownPath.with(3, ["a2", 0, 2]));
    // Exported again it is the same tree; stored with the depths the path gives.
    expect(shape(leaves[0]!)).toEqual(shape(exported!));
    expect(await storedRows(imported)).toEqual(await storedRows(chatId));
    expect(await storedRows(imported)).toEqual([
      ["q1", 1, 1],
      ["a1", 2, 2],
      ["q2", 3, 3],
      ["a2", 4, 4],
      ["a2'", 5, 4],
      ["q1'", 6, 1],
      ["a1'", 7, 2],
    ]);
    expect(edited.userMessageId).not.toBe(newIds[5]); // new ids everywhere

    // Bob continues the path shown: the prompt is that path, not the newest branch.
    harness.simulator.script({ text: "a3" });
    await collectReply(harness.client("grpc").sendMessage({ userId: bob, chatId: imported, text: "q3" }));
    expect(
      lastPrompt(harness)
        .filter((m) => m.role !== "system")
        .map((m) => m.content),
    ).toEqual(["q1", "a1", "q2", "a2'", "q3"]);
  });

  it("exports a chat that branches as Markdown the way it shows: the path to its active leaf", async () => {
    const grace = newUser();
    const { chatId, edited } = await branchedChat(grace);
    const headingsAndText = async () => {
      const file = await exportFile(transfer, grace, ExportFormat.MARKDOWN, chatId);
      const lines = file.text.split("\n");
      return lines.flatMap((line, index) =>
        line.startsWith("## ") ? [`${line.slice(3).split(" · ")[0]}: ${lines[index + 2]}`] : [],
      );
    };
    expect(await headingsAndText()).toEqual(["User: q1", "Assistant: a1", "User: q2", "Assistant: a2'"]);
    await harness.client("grpc").setActiveBranch({ userId: grace, chatId, messageId: edited.replyId });
    expect(await headingsAndText()).toEqual(["User: q1'", "Assistant: a1'"]);
  });

  it("exports a path longer than one read (1 201 messages, a branch at its start) as Markdown, in order", async () => {
    const hank = newUser();
    const ids = Array.from({ length: 1201 }, (_, m) => `m${m}`);
    const messages = ids.map((id, m) => ({
      id,
      parent_id: m === 0 ? null : ids[m - 1],
      role: m % 2 === 0 ? "user" : "assistant",
      content: `message ${m}`,
    }));
    // Another answer to the first message, listed early: not on the path shown.
    messages.splice(2, 0, { id: "alt", parent_id: "m0", role: "assistant", content: "another answer" });
    const file = JSON.stringify({ format: "parley.chats", version: 1, chats: [{ id: "long", messages }] });
    const chatId = (await importFile(transfer, hank, file)).chats[0]!.chatId;
    const markdown = (await exportFile(transfer, hank, ExportFormat.MARKDOWN, chatId)).text;
    const texts = markdown
      .split("\n")
      .filter((line) => line.startsWith("message ") || line === "another answer");
    expect(texts).toEqual(ids.map((_, m) => `message ${m}`));
  });

  it("a chat shown on its newest branch imports with its newest message as the leaf", async () => {
    const carol = newUser();
    const { chatId, edited } = await branchedChat(carol);
    await harness.client("grpc").setActiveBranch({ userId: carol, chatId, messageId: edited.replyId });
    const [exported] = chatsOf((await exportFile(transfer, carol, ExportFormat.JSON, chatId)).text);
    expect(exported!.active_leaf_id).toBe(edited.replyId);
    const dave = newUser();
    const imported = (
      await importFile(
        transfer,
        dave,
        JSON.stringify({ format: "parley.chats", version: 1, chats: [exported] }),
      )
    ).chats[0]!.chatId;
    expect(await pathOf(dave, imported)).toEqual([
      ["q1'", 1, 2],
      ["a1'", 0, 1],
    ]);
    // Stored as "the newest message" (null), like a chat that never switched.
    const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT active_leaf_id FROM chats WHERE id = ?",
      [imported],
    );
    expect(row?.["active_leaf_id"]).toBeNull();
  });

  it("an active_leaf_id that is not a leaf shows the path down to its newest leaf, as SetActiveBranch does", async () => {
    const erin = newUser();
    const file = {
      format: "parley.chats",
      version: 1,
      chats: [
        {
          id: "not-a-leaf",
          messages: [
            { id: "u1", parent_id: null, role: "user", content: "q" },
            { id: "r1", parent_id: "u1", role: "assistant", content: "old" },
            { id: "r2", parent_id: "u1", role: "assistant", content: "new" },
            { id: "u2", parent_id: null, role: "user", content: "other" },
          ],
          active_leaf_id: "u1",
        },
      ],
    };
    const chatId = (await importFile(transfer, erin, JSON.stringify(file))).chats[0]!.chatId;
    expect(await pathOf(erin, chatId)).toEqual([
      ["q", 0, 2],
      ["new", 1, 2],
    ]);
  });

  it("imports a file from before branches (no parent_id, no active_leaf_id) as one path", async () => {
    const frank = newUser();
    const fixture = await readFile(new URL("../fixtures/parley-export-path.json", import.meta.url), "utf8");
    const result = await importFile(transfer, frank, fixture);
    expect(result.chats).toMatchObject([
      { title: "Packing for Lisbon", outcome: ImportOutcome.IMPORTED, messageCount: 4 },
    ]);
    const chatId = result.chats[0]!.chatId;
    expect(await pathOf(frank, chatId)).toEqual([
      ["What should I pack for Lisbon in June?", 0, 1],
      ["Light clothes, a light jacket for the evenings, and comfortable shoes for the hills.", 0, 1],
      ["And for a day trip to Sintra?", 0, 1],
      ["Add a sweater: Sintra is cooler and often misty.", 0, 1],
    ]);
    expect((await storedRows(chatId)).map(([, seq, depth]) => [seq, depth])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    const [exported] = chatsOf((await exportFile(transfer, frank, ExportFormat.JSON)).text);
    expect(shape(exported!).messages.map((m) => m[2])).toEqual([null, 0, 1, 2]);
  });

  const twoChats = (change: (chats: ExportedChat[]) => void) => {
    const chats: ExportedChat[] = ["c1", "c2"].map((id) => ({
      id,
      active_leaf_id: null,
      messages: [
        { id: `${id}-u`, parent_id: null, role: "user", content: "q" },
        { id: `${id}-a`, parent_id: `${id}-u`, role: "assistant", content: "a" },
      ],
    }));
    change(chats);
    return JSON.stringify({ format: "parley.chats", version: 1, chats });
  };
  const earlier = "a parent must come earlier in the same chat's messages";

  it.each([
    [
      "a parent that comes later",
      twoChats(([c]) => c!.messages.reverse()),
      `chats[0].messages[0].parent_id: "c1-u" is not a message before this one in the chat: ${earlier}`,
    ],
    [
      "a parent in another chat",
      twoChats(([, c]) => (c!.messages[1]!.parent_id = "c1-u")),
      `chats[1].messages[1].parent_id: "c1-u" is not a message before this one in the chat: ${earlier}`,
    ],
    [
      "a message that is its own parent",
      twoChats(([c]) => (c!.messages[0]!.parent_id = "c1-u")),
      `chats[0].messages[0].parent_id: "c1-u" is not a message before this one in the chat: ${earlier}`,
    ],
    [
      "a parent id that is not a string",
      twoChats(([c]) => ((c!.messages[1] as Record<string, unknown>)["parent_id"] = 7)),
      "chats[0].messages[1].parent_id: must be a string, not a number",
    ],
    [
      "an active leaf that is not a message of the chat",
      twoChats(([, c]) => (c!.active_leaf_id = "c1-a")),
      'chats[1].active_leaf_id: "c1-a" is not a message of this chat',
    ],
  ])("refuses %s with INVALID_ARGUMENT naming where, and writes nothing", async (_name, file, message) => {
    const user = newUser();
    const error = await expectCode(importFile(transfer, user, file), Code.InvalidArgument);
    expect(error.rawMessage).toBe(message);
    expect(await rowCounts(harness, user)).toEqual({ chats: 0, messages: 0 });
  });
});
