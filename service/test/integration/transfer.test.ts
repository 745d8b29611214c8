// Export and import, end to end over real clients and MariaDB: a JSON export imported into another
// account equals the original; ChatGPT's conversations.json imports the path to `current_node`; a second
// import of the same file is a no-op; malformed files are refused naming where, and write nothing;
// exports are the caller's own chats only, streamed page by page in bounded chunks.
import { readFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { TransferService, type ImportChatsRequestSchema } from "@parley/gen/parley/transfer/v1/transfer_pb";
import { ExportFormat, ImportOutcome } from "@parley/gen/parley/transfer/v1/transfer_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufCurl } from "../support/buf-curl.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode, rowCounts } from "../support/rpc-probes.js";
import {
  exportFile,
  importFile,
  importRecords,
  transferClient,
  type TransferClient,
} from "../support/transfer-probes.js";

const limits = { maxBytes: 200 * 1024, maxChats: 130, maxMessages: 400, maxConcurrent: 2 };

let harness: Harness;
let transfer: TransferClient;
let chatgptFixture: string;
beforeAll(async () => {
  harness = await startParley({ transfer: { limits } } as Parameters<typeof startParley>[0]);
  transfer = transferClient(harness);
  chatgptFixture = await readFile(new URL("../fixtures/chatgpt-conversations.json", import.meta.url), "utf8");
});
afterAll(() => harness?.stop());

const newUser = () => `transfer-${randomUUID()}`;

/** A chat of two turns, answered by the simulator; returns its id. */
async function seedChat(userId: string, first: string, second: string): Promise<string> {
  const client = harness.client();
  harness.simulator.script({ text: "Here is code:\n\n```ts\nconst x = 1;\n```" });
  const one = await collectReply(client.sendMessage({ userId, text: first }));
  const chatId = one.started!.chatId;
  harness.simulator.script({ text: "Second answer." });
  await collectReply(client.sendMessage({ userId, chatId, text: second }));
  return chatId;
}

interface JsonExport {
  format: string;
  version: number;
  chats: {
    id: string;
    title: string;
    model: string;
    created_at: string;
    updated_at: string;
    active_leaf_id: string | null;
    messages: Record<string, unknown>[];
  }[];
}

const parse = (text: string) => JSON.parse(text) as JsonExport;

/** A chat as the round trip must keep it: everything but ids and the messages' last-update time. */
function comparable(chat: JsonExport["chats"][number]) {
  return {
    title: chat.title,
    model: chat.model,
    created_at: chat.created_at,
    updated_at: chat.updated_at,
    messages: chat.messages.map(({ id: _id, parent_id: _parent, updated_at: _updated, ...rest }) => rest),
  };
}

/** A Parley export file of generated chats: `messages` per chat, alternating user and assistant. */
function generatedExport(chats: number, messages: number, prefix = randomUUID()) {
  return JSON.stringify({
    format: "parley.chats",
    version: 1,
    chats: Array.from({ length: chats }, (_, c) => {
      const ids = Array.from({ length: messages }, (_, m) => `${prefix}-${c}-${m}`);
      return {
        id: `${prefix}-${c}`,
        title: `Chat ${c}`,
        created_at: new Date(Date.UTC(2026, 0, 1, 0, c)).toISOString(),
        updated_at: new Date(Date.UTC(2026, 0, 1, 0, c, 30)).toISOString(),
        messages: ids.map((id, m) => ({
          id,
          parent_id: m === 0 ? null : ids[m - 1],
          role: m % 2 === 0 ? "user" : "assistant",
          content: `message ${m} of chat ${c}`,
        })),
        active_leaf_id: ids.at(-1),
      };
    }),
  });
}

describe("export", () => {
  it("exports a chat as JSON with every stored field, and the same chat into another account equals it", async () => {
    const alice = newUser();
    const chatId = await seedChat(alice, "Show me code", "And more?");
    const file = await exportFile(transfer, alice, ExportFormat.JSON, chatId);
    expect(file.contentType).toBe("application/json");
    expect(file.fileName).toMatch(/^parley-chat-show-me-code-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = parse(file.text);
    expect(exported).toMatchObject({ format: "parley.chats", version: 1 });
    expect(exported.chats).toHaveLength(1);
    const [chat] = exported.chats;
    expect(chat).toMatchObject({ id: chatId, title: "Show me code", model: "gpt-4o-mini" });
    expect(chat!.messages.map((m) => [m["role"], m["content"], m["status"]])).toEqual([
      ["user", "Show me code", "complete"],
      ["assistant", "Here is code:\n\n```ts\nconst x = 1;\n```", "complete"],
      ["user", "And more?", "complete"],
      ["assistant", "Second answer.", "complete"],
    ]);
    // The chat is a path: each message's parent is the one before it, the last is the active leaf.
    expect(chat!.messages.map((m) => m["parent_id"])).toEqual([
      null,
      ...chat!.messages.slice(0, -1).map((m) => m["id"]),
    ]);
    expect(chat!.active_leaf_id).toBe(chat!.messages.at(-1)!["id"]);
    const reply = chat!.messages[1]!;
    expect(reply).toMatchObject({ finish_reason: "stop", usage: { source: "provider" } });
    expect(reply["token_count"]).toBeGreaterThan(0);
    expect(typeof reply["cost_micros"]).toBe("number");

    const bob = newUser();
    const result = await importFile(transfer, bob, file.text);
    expect(result.sourceFormat).toBe("parley.chats");
    expect(result.chats).toHaveLength(1);
    expect(result.chats[0]).toMatchObject({
      sourceChatId: chatId,
      outcome: ImportOutcome.IMPORTED,
      messageCount: 4,
    });
    expect(result.chats[0]!.chatId).not.toBe(chatId);
    const again = parse((await exportFile(transfer, bob, ExportFormat.JSON)).text);
    expect(again.chats.map(comparable)).toEqual(exported.chats.map(comparable));
    // New ids everywhere; nothing of the import was billed.
    expect(again.chats[0]!.messages.map((m) => m["id"])).not.toContain(reply["id"]);
    const [[usage]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM usage_daily WHERE user_id = ?",
      [bob],
    );
    expect(Number(usage?.["n"])).toBe(0);
    // The imported chat is Bob's own: he can continue it.
    harness.simulator.script({ text: "Continued." });
    const next = await collectReply(
      harness.client().sendMessage({ userId: bob, chatId: result.chats[0]!.chatId, text: "Go on" }),
    );
    expect(next.text).toBe("Continued.");
  });

  it("exports all of a user's chats as Markdown with titles, roles and code blocks kept", async () => {
    const carol = newUser();
    await seedChat(carol, "First chat", "Follow-up");
    await seedChat(carol, "Second chat", "Another");
    const file = await exportFile(transfer, carol, ExportFormat.MARKDOWN);
    expect(file.contentType).toBe("text/markdown; charset=utf-8");
    expect(file.fileName).toMatch(/^parley-chats-\d{4}-\d{2}-\d{2}\.md$/);
    const lines = file.text.split("\n");
    expect(lines[0]).toBe("# Parley chats");
    // Newest activity first, each under its own heading with its model and dates.
    expect(lines.filter((line) => line.startsWith("## "))).toEqual(["## Second chat", "## First chat"]);
    expect(file.text).toContain("- Model: gpt-4o-mini\n- Created: ");
    expect(lines.filter((line) => line.startsWith("### ")).map((line) => line.split(" · ")[0])).toEqual([
      "### User",
      "### Assistant",
      "### User",
      "### Assistant",
      "### User",
      "### Assistant",
      "### User",
      "### Assistant",
    ]);
    expect(file.text).toContain("\n\nHere is code:\n\n```ts\nconst x = 1;\n```\n");
    expect(file.text).toContain("\n---\n");
  });

  it("exports one chat as Markdown with the title as the top heading", async () => {
    const dan = newUser();
    const chatId = await seedChat(dan, "Only chat", "Second");
    const file = await exportFile(transfer, dan, ExportFormat.MARKDOWN, chatId);
    expect(file.text.startsWith("\n# Only chat\n\n- Model: gpt-4o-mini\n")).toBe(true);
    expect(file.text).toMatch(/\n## User · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\n\nOnly chat\n/);
  });

  it("refuses another user's chat as NOT_FOUND, and a missing format as INVALID_ARGUMENT", async () => {
    const owner = newUser();
    const chatId = await seedChat(owner, "Mine", "Still mine");
    const error = await expectCode(
      transfer.exportChats({ userId: newUser(), chatId, format: ExportFormat.JSON }),
      Code.NotFound,
    );
    expect(error.rawMessage).toBe(`chat ${chatId} not found`);
    await expectCode(
      transfer.exportChats({ userId: owner, chatId, format: ExportFormat.UNSPECIFIED }),
      Code.InvalidArgument,
    );
    await expectCode(
      transfer.exportChats({ userId: owner, chatId: "nope", format: ExportFormat.JSON }),
      Code.InvalidArgument,
    );
  });

  it("exports a user with no chats as an empty list", async () => {
    const file = await exportFile(transfer, newUser(), ExportFormat.JSON);
    expect(parse(file.text).chats).toEqual([]);
  });

  it("streams many chats and long chats page by page in chunks of at most 64 KiB, all of them", async () => {
    const erin = newUser();
    // 120 chats (three pages of 50) of 3 messages, then one of 250 messages (three pages of 100).
    const many = await importFile(transfer, erin, generatedExport(120, 3));
    expect(many.importedChats).toBe(120);
    const long = await importFile(transfer, erin, generatedExport(1, 250));
    expect(long.importedMessages).toBe(250);
    const file = await exportFile(transfer, erin, ExportFormat.JSON);
    expect(Math.max(...file.chunkSizes)).toBeLessThanOrEqual(64 * 1024);
    expect(file.chunkSizes.length).toBeGreaterThan(1);
    const exported = parse(file.text);
    expect(exported.chats).toHaveLength(121);
    expect(new Set(exported.chats.map((chat) => chat.id)).size).toBe(121);
    expect(exported.chats.map((chat) => chat.messages.length).sort((a, b) => b - a)[0]).toBe(250);
    const longChat = exported.chats.find((chat) => chat.messages.length === 250)!;
    expect(longChat.messages.map((m) => m["content"])).toEqual(
      Array.from({ length: 250 }, (_, m) => `message ${m} of chat 0`),
    );
  });
});

describe("import", () => {
  it("imports ChatGPT's conversations.json: the path to current_node, skipping system, tool, hidden and non-text", async () => {
    const frank = newUser();
    const result = await importFile(transfer, frank, chatgptFixture);
    expect(result.sourceFormat).toBe("chatgpt");
    expect(
      result.chats.map(({ sourceChatId, title, outcome, messageCount, skippedMessages }) => ({
        sourceChatId,
        title,
        outcome,
        messageCount,
        skippedMessages,
      })),
    ).toEqual([
      {
        sourceChatId: "6750c1a2-0000-8000-9000-00000000a001",
        title: "Weekend in Lisbon",
        outcome: ImportOutcome.IMPORTED,
        messageCount: 4,
        skippedMessages: 3,
      },
      {
        sourceChatId: "6751a000-0000-8000-9000-00000000b002",
        title: "日本語で挨拶",
        outcome: ImportOutcome.IMPORTED,
        messageCount: 2,
        skippedMessages: 0,
      },
      {
        sourceChatId: "6752b000-0000-8000-9000-00000000c003",
        title: "Only a system prompt",
        outcome: ImportOutcome.SKIPPED_EMPTY,
        messageCount: 0,
        skippedMessages: 1,
      },
    ]);
    expect(result.chats[2]!.chatId).toBe("");
    const exported = parse((await exportFile(transfer, frank, ExportFormat.JSON)).text);
    const lisbon = exported.chats.find((chat) => chat.title === "Weekend in Lisbon")!;
    expect(lisbon.messages.map((m) => [m["role"], m["content"]])).toEqual([
      ["user", "Plan a weekend in Lisbon for two."],
      ["assistant", 'Day 1: Alfama and a tram ride.\n\n```bash\necho "bom dia"\n```'],
      ["user", "What about this café?"],
      ["assistant", "It is a lovely café near the river."],
    ]);
    expect(lisbon).toMatchObject({
      created_at: "2024-12-01T08:00:00.123Z",
      updated_at: "2024-12-01T09:00:00.500Z",
    });
    expect(lisbon.messages[0]).toMatchObject({
      created_at: "2024-12-01T08:00:01.000Z",
      status: "complete",
      usage: null,
    });
    expect(lisbon.messages[1]).toMatchObject({ finish_reason: "stop" });
    for (const message of lisbon.messages) expect(message["token_count"]).toBeGreaterThan(0);
    // Newest activity first: the Japanese chat was updated later.
    expect(exported.chats.map((chat) => chat.title)).toEqual(["日本語で挨拶", "Weekend in Lisbon"]);
  });

  it("imports the same file twice without duplicating anything", async () => {
    const gina = newUser();
    const first = await importFile(transfer, gina, chatgptFixture);
    const before = await rowCounts(harness, gina);
    expect(before).toEqual({ chats: 2, messages: 6 });
    const second = await importFile(transfer, gina, chatgptFixture);
    expect(second.importedChats).toBe(0);
    expect(second.importedMessages).toBe(0);
    expect(second.chats.map((chat) => chat.outcome)).toEqual([
      ImportOutcome.ALREADY_IMPORTED,
      ImportOutcome.ALREADY_IMPORTED,
      ImportOutcome.SKIPPED_EMPTY,
    ]);
    expect(second.chats.map((chat) => chat.chatId)).toEqual(first.chats.map((chat) => chat.chatId));
    expect(await rowCounts(harness, gina)).toEqual(before);
    expect(await importRecords(harness, gina)).toBe(2);
    // Another user importing the same file gets chats of their own.
    const other = newUser();
    expect((await importFile(transfer, other, chatgptFixture)).importedChats).toBe(2);
  });

  it("imports the same file twice at once without duplicating", async () => {
    const hal = newUser();
    const results = await Promise.all([
      importFile(transfer, hal, chatgptFixture),
      importFile(transfer, hal, chatgptFixture),
    ]);
    expect(results.map((r) => r.importedChats).sort()).toEqual([0, 2]);
    expect(await rowCounts(harness, hal)).toEqual({ chats: 2, messages: 6 });
  });

  const chatgpt = () => JSON.parse(chatgptFixture) as Record<string, unknown>[];
  const lisbonMapping = (file: Record<string, unknown>[]) =>
    file[0]!["mapping"] as Record<string, Record<string, unknown> & { message: Record<string, unknown> }>;

  const malformed: [string, () => string | Uint8Array, RegExp | string][] = [
    ["bad JSON", () => '[{"title": "x",', /^the file is not valid JSON \(/],
    ["not UTF-8", () => new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]), "the file is not UTF-8 text"],
    [
      "neither format",
      () => JSON.stringify({ chats: [] }),
      `the file is neither a Parley JSON export (an object with "format": "parley.chats") nor ChatGPT's conversations.json (an array of conversations)`,
    ],
    [
      "a newer version",
      () => JSON.stringify({ format: "parley.chats", version: 2, chats: [] }),
      "version: 2 is newer than this service reads (1)",
    ],
    ["too big", () => `[${" ".repeat(limits.maxBytes)}]`, `the file is larger than ${limits.maxBytes} bytes`],
    ["empty", () => "", "the file is empty"],
    [
      "a conversation that is not an object",
      () => JSON.stringify([...chatgpt(), 42]),
      "conversations[3]: must be an object, not a number",
    ],
    [
      "an unknown role",
      () => {
        const file = chatgpt();
        (lisbonMapping(file)["u2"]!.message["author"] as Record<string, unknown>)["role"] = "robot";
        return JSON.stringify(file);
      },
      'conversations[0].mapping.u2.message.author.role: unknown role "robot" (user, assistant, system or tool)',
    ],
    [
      "a cycle in mapping",
      () => {
        const file = chatgpt();
        lisbonMapping(file)["root"]!["parent"] = "a1";
        return JSON.stringify(file);
      },
      "conversations[0].mapping.a1: the parent links form a cycle",
    ],
    [
      "a current_node that does not exist",
      () => {
        const file = chatgpt();
        file[1]!["current_node"] = "nowhere";
        return JSON.stringify(file);
      },
      'conversations[1].current_node: "nowhere" is not a node of the conversation',
    ],
    [
      "a node without parent",
      () => {
        const file = chatgpt();
        delete lisbonMapping(file)["t1"]!["parent"];
        return JSON.stringify(file);
      },
      "conversations[0].mapping.t1: missing parent",
    ],
    [
      "a parent that is not in mapping",
      () => {
        const file = chatgpt();
        lisbonMapping(file)["u1"]!["parent"] = "gone";
        return JSON.stringify(file);
      },
      'conversations[0].mapping.u1.parent: "gone" is not a node of the conversation',
    ],
    [
      "a user message longer than the service takes (in the last chat)",
      () => {
        const file = JSON.parse(generatedExport(3, 2)) as JsonExport;
        file.chats[2]!.messages[0]!["content"] = "x".repeat(16 * 1024 + 1);
        return JSON.stringify(file);
      },
      "chats[2].messages[0].content: the message is longer than 16384 bytes (UTF-8); shorten it",
    ],
    [
      "a Parley message with an unknown role",
      () => {
        const file = JSON.parse(generatedExport(2, 2)) as JsonExport;
        file.chats[1]!.messages[1]!["role"] = "system";
        return JSON.stringify(file);
      },
      'chats[1].messages[1].role: unknown role "system" (user or assistant)',
    ],
    [
      "too many chats",
      () => generatedExport(limits.maxChats + 1, 1),
      `chats: the file holds ${limits.maxChats + 1} chats; at most ${limits.maxChats} per import`,
    ],
    [
      "too many messages",
      () => generatedExport(2, limits.maxMessages / 2 + 1),
      `chats: the file holds ${limits.maxMessages + 2} messages; at most ${limits.maxMessages} per import`,
    ],
  ];

  it.each(malformed)(
    "refuses %s with INVALID_ARGUMENT naming where, and writes nothing",
    async (_name, file, message) => {
      const user = newUser();
      const error = await expectCode(importFile(transfer, user, file()), Code.InvalidArgument);
      if (typeof message === "string") expect(error.rawMessage).toBe(message);
      else expect(error.rawMessage).toMatch(message);
      expect(await rowCounts(harness, user)).toEqual({ chats: 0, messages: 0 });
      expect(await importRecords(harness, user)).toBe(0);
    },
  );

  it("takes a file at every bound: the most chats and the most messages", async () => {
    const user = newUser();
    expect((await importFile(transfer, user, generatedExport(limits.maxChats, 1))).importedChats).toBe(
      limits.maxChats,
    );
    const other = newUser();
    expect(
      (await importFile(transfer, other, generatedExport(2, limits.maxMessages / 2))).importedMessages,
    ).toBe(limits.maxMessages);
  });

  it("refuses an import that names no user", async () => {
    const error = await expectCode(
      importFile(transferClient(harness, "grpc"), "", chatgptFixture),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toBe("user_id is required");
  });

  it("works over Connect on HTTP/2 too", async () => {
    const user = newUser();
    const client = transferClient(harness, "connect-h2");
    expect((await importFile(client, user, chatgptFixture)).importedChats).toBe(2);
    const file = await exportFile(client, user, ExportFormat.MARKDOWN);
    expect(file.text).toContain("## Weekend in Lisbon");
  });

  it("works with buf curl as the README shows: import a file, then export it as Markdown", async () => {
    const user = newUser();
    const auth = `authorization: Bearer ${testToken}`;
    const common = ["--protocol", "grpc", "--http2-prior-knowledge", "-H", auth, "--reflect-header", auth];
    const data = Buffer.from(chatgptFixture).toString("base64");
    const imported = await bufCurl([
      ...common,
      "-d",
      JSON.stringify({ userId: user, data }),
      `${harness.baseUrl}/parley.transfer.v1.TransferService/ImportChats`,
    ]);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      sourceFormat: "chatgpt",
      importedChats: 2,
      importedMessages: 6,
    });
    const exported = await bufCurl([
      ...common,
      "-d",
      JSON.stringify({ userId: user, format: "EXPORT_FORMAT_MARKDOWN" }),
      `${harness.baseUrl}/parley.transfer.v1.TransferService/ExportChats`,
    ]);
    const chunks = exported.stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((line) => JSON.parse(line) as { data: string });
    const markdown = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data, "base64"))).toString("utf8");
    expect(markdown).toContain("## Weekend in Lisbon");
    expect(markdown).toContain("「こんにちは」はどう使いますか？");
  });

  it("acts for a personal key's own user only", async () => {
    const owner = newUser();
    const keys = createClient(ApiKeyService, harness.transport("grpc"));
    const { key } = await keys.createApiKey({ userId: owner, name: "export" });
    const asKey = createClient(TransferService, harness.transport("grpc", key));
    expect((await importFile(asKey, "", chatgptFixture)).importedChats).toBe(2);
    expect(await rowCounts(harness, owner)).toEqual({ chats: 2, messages: 6 });
    const file = await exportFile(asKey, "", ExportFormat.JSON);
    expect(parse(file.text).chats).toHaveLength(2);
    await expectCode(
      asKey.exportChats({ userId: newUser(), format: ExportFormat.JSON }),
      Code.PermissionDenied,
    );
    await expectCode(importFile(asKey, newUser(), chatgptFixture), Code.PermissionDenied);
  });

  it("runs at most IMPORT_MAX_CONCURRENT imports at once and refuses more with RESOURCE_EXHAUSTED", async () => {
    // Two imports that have sent their first chunk and wait: each holds a place until its file ends.
    const held = Array.from({ length: limits.maxConcurrent }, () => {
      let finish!: () => void;
      const ended = new Promise<void>((resolve) => (finish = resolve));
      const user = newUser();
      const bytes = Buffer.from(chatgptFixture);
      async function* requests(): AsyncIterable<MessageInitShape<typeof ImportChatsRequestSchema>> {
        yield { userId: user, data: bytes.subarray(0, 100) };
        await ended;
        yield { data: bytes.subarray(100) };
      }
      return { user, finish, result: transfer.importChats(requests()) };
    });
    // A third is refused once both hold their places (until then it would pass the gate, and fail on
    // its malformed file instead).
    const refusal = async () => {
      try {
        await importFile(transfer, newUser(), "[");
        return "passed";
      } catch (error) {
        return Code[ConnectError.from(error).code];
      }
    };
    await expect.poll(refusal).toBe("ResourceExhausted");
    for (const import_ of held) import_.finish();
    for (const import_ of held) expect((await import_.result).importedChats).toBe(2);
    // Places are given back: the next import passes the gate.
    await expectCode(importFile(transfer, newUser(), "["), Code.InvalidArgument);
  });
});
