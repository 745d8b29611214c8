// With TURN_PRE_READ, a turn's pre-read (ChatRepository.readTurn: the transaction's read, plain, beside
// it) starts the model call before the turn's transaction has the chat's lock; the transaction's own read under the lock then
// keeps that call when it gives the same prompt, or aborts it and sends its own (early-turn-call.ts).
// Real MariaDB, the real openai SDK against the simulator. "Before the lock" is a state the test holds: a
// second connection holds the chat's row, or the repository's startTurn waits for the test's change.
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import type { PoolConnection, RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import type { ChatRepository, NewTurn } from "../../src/application/chats/chat-repository.js";
import { requestBodyHash } from "../../src/application/chats/send-requests.js";
import type { RecordedRequest } from "../../src/simulator/recorder.js";
import { aChat, anOutcome, aTurn } from "../support/chat-builders.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode } from "../support/rpc-probes.js";
import { testUsageMeter } from "../support/test-usage-meter.js";

/** What a harness's repository saw: pre-reads (did each find a turn?), and a hook before the lock. */
interface Hooks {
  prereads: boolean[];
  /** Runs once, in the next startTurn, before its transaction begins. */
  beforeLock: (() => Promise<void>) | null;
}

const hooking =
  (hooks: Hooks) =>
  (repository: ChatRepository): ChatRepository =>
    new Proxy(repository, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property === "readTurn") {
          return async (turn: NewTurn) => {
            const read = await (value as ChatRepository["readTurn"]).call(target, turn);
            hooks.prereads.push(read !== undefined);
            return read;
          };
        }
        if (property === "startTurn") {
          return async (turn: NewTurn) => {
            const hook = hooks.beforeLock;
            hooks.beforeLock = null;
            await hook?.();
            return (value as ChatRepository["startTurn"]).call(target, turn);
          };
        }
        return value;
      },
    });

const earlyHooks: Hooks = { prereads: [], beforeLock: null };
const strictHooks: Hooks = { prereads: [], beforeLock: null };
let early: Harness;
let strict: Harness;
/** The same database as `early`'s, without the hooks: what "another client" changes meanwhile. */
let raw: ChatRepository;
beforeAll(async () => {
  [early, strict] = await Promise.all([
    startParley({ wrapRepository: hooking(earlyHooks), settings: { turnPreRead: true } }),
    startParley({
      wrapRepository: hooking(strictHooks),
      settings: { turnPreRead: true, modelCallAfterCommit: true },
    }),
  ]);
  raw = createMysqlChatRepository(early.database.db, testUsageMeter);
});
afterAll(async () => {
  await Promise.all([early?.stop(), strict?.stop()]);
});
beforeEach(() => {
  for (const hooks of [earlyHooks, strictHooks]) Object.assign(hooks, { prereads: [], beforeLock: null });
});

/** A chat with one answered turn ("First" and its answer); the simulator forgets that request. */
async function aChatWithOneTurn(harness: Harness, hooks: Hooks) {
  const userId = `pre-read-${randomUUID()}`;
  harness.simulator.script({ text: "First answer" });
  const first = await collectReply(harness.client().sendMessage({ userId, text: "First" }));
  expect(first.finished?.finishReason).toBe("stop");
  harness.simulator.reset();
  hooks.prereads.length = 0;
  const chatId = first.started!.chatId;
  return { userId, chatId, chat: aChat({ id: chatId, userId }), firstId: first.started!.userMessageId };
}

/** The prompt a request sent, one line per message. */
function promptOf(request: RecordedRequest | undefined): string[] {
  const { messages } = request?.body as { messages: { role: string; content: string }[] };
  return messages.map((message) => `${message.role}: ${message.content}`);
}

/** Holds the chat's row from a second connection: the turn's transaction waits at its lock (UPDATE chats). */
async function holdChat(harness: Harness, chatId: string) {
  const holder: PoolConnection = await harness.database.pool.getConnection();
  await holder.query("BEGIN");
  await holder.query("SELECT id FROM chats WHERE id = ? FOR UPDATE", [chatId]);
  return {
    /** Whether a turn's lock statement is waiting for the row. */
    async turnWaits(turns = 1): Promise<boolean> {
      const [rows] = await harness.database.pool.query<RowDataPacket[]>(
        `SELECT ID FROM information_schema.PROCESSLIST
          WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'update \`chats\`%'`,
        [harness.database.name],
      );
      return rows.length === turns;
    },
    async release() {
      await holder.query("ROLLBACK");
      holder.release();
    },
  };
}

/** The next turn waits, before its transaction, until the early request reached the simulator and `change` ran. */
function changeBeforeLock(change: () => Promise<unknown>) {
  earlyHooks.beforeLock = async () => {
    await expect.poll(() => early.simulator.requests.length).toBe(1);
    await change();
  };
}

describe("the pre-read starts the model call (TURN_PRE_READ=true)", () => {
  it("reaches the upstream while the turn's transaction waits for the chat's lock; one request in all", async () => {
    const { userId, chatId } = await aChatWithOneTurn(early, earlyHooks);
    const hold = await holdChat(early, chatId);
    early.simulator.script({ deltas: ["Read", " ahead"] });
    const kinds: string[] = [];
    const reply = collectReply(
      (async function* () {
        for await (const response of early.client().sendMessage({ userId, chatId, text: "Second" })) {
          kinds.push(response.event?.kind.case ?? "");
          yield response;
        }
      })(),
    );

    // The request went out, with the whole prompt, while the turn could not even lock the chat.
    await expect.poll(() => early.simulator.requests[0]?.endedAt ?? null).not.toBeNull();
    await expect.poll(() => hold.turnWaits()).toBe(true);
    expect(promptOf(early.simulator.requests[0])).toEqual([
      "system: You are a test.",
      "user: First",
      "assistant: First answer",
      "user: Second",
    ]);
    expect(earlyHooks.prereads).toEqual([true]);
    expect(kinds).toEqual([]); // `started` waits for the commit

    await hold.release();
    const answered = await reply;
    expect(answered.kinds).toEqual(["started", "delta", "delta", "finished"]);
    expect(answered.text).toBe("Read ahead");
    // The locked read gave the same prompt: the call went on, nothing was sent again.
    expect(early.simulator.requests).toHaveLength(1);
    expect(early.simulator.requests[0]?.clientClosedAt).toBeNull();
  });

  it.each([
    {
      name: "another turn was committed",
      change: async ({ userId, chat }: Awaited<ReturnType<typeof aChatWithOneTurn>>) => {
        const turn = aTurn(chat, {
          createChat: false,
          now: new Date(),
          userMessage: { id: randomUUID(), content: "Meanwhile", tokenCount: 1 },
        });
        const started = await raw.startTurn(turn);
        await raw.finishReply(started.reply.id, anOutcome({ userId, content: "Meanwhile answer" }));
      },
      prompt: ["user: First", "assistant: First answer", "user: Meanwhile", "assistant: Meanwhile answer"],
      system: "You are a test.",
    },
    {
      name: "the chat's instructions changed",
      change: ({ userId, chatId }: Awaited<ReturnType<typeof aChatWithOneTurn>>) =>
        raw.setChatInstructions(userId, chatId, { text: "Answer in French.", tokens: 4 }, new Date()),
      prompt: ["user: First", "assistant: First answer"],
      system: "Answer in French.",
    },
  ])(
    "$name between the pre-read and the lock: the early call is aborted, the prompt is the locked read's",
    async ({ change, prompt, system }) => {
      const chat = await aChatWithOneTurn(early, earlyHooks);
      early.simulator.script({ fault: { kind: "hang" } }, { deltas: ["Locked", " read"] });
      changeBeforeLock(() => change(chat));

      const answered = await collectReply(
        early.client().sendMessage({ userId: chat.userId, chatId: chat.chatId, text: "Second" }),
      );

      expect(answered.text).toBe("Locked read");
      expect(early.simulator.requests).toHaveLength(2);
      await early.simulator.clientClosed(early.simulator.requests[0]);
      expect(promptOf(early.simulator.requests[0])).toEqual([
        "system: You are a test.",
        "user: First",
        "assistant: First answer",
        "user: Second",
      ]);
      expect(promptOf(early.simulator.requests[1])).toEqual([`system: ${system}`, ...prompt, "user: Second"]);
      expect(earlyHooks.prereads).toEqual([true]);
    },
  );

  it("the chat switched branch between the pre-read and the lock: the prompt follows the switch", async () => {
    const chat = await aChatWithOneTurn(early, earlyHooks);
    // A second version of the first message, answered: the chat is on it now.
    const edited = await raw.startTurn(
      aTurn(chat.chat, {
        createChat: false,
        now: new Date(),
        place: { kind: "branch", parentId: null },
        userMessage: { id: randomUUID(), content: "First, edited", tokenCount: 3 },
      }),
    );
    await raw.finishReply(edited.reply.id, anOutcome({ userId: chat.userId, content: "Edited answer" }));
    early.simulator.script({ fault: { kind: "hang" } }, { deltas: ["Back"] });
    changeBeforeLock(() => raw.setActiveBranch(chat.userId, chat.chatId, chat.firstId));

    const answered = await collectReply(
      early.client().sendMessage({ userId: chat.userId, chatId: chat.chatId, text: "Second" }),
    );

    expect(answered.text).toBe("Back");
    await early.simulator.clientClosed(early.simulator.requests[0]);
    expect(promptOf(early.simulator.requests[0]).slice(1, 3)).toEqual([
      "user: First, edited",
      "assistant: Edited answer",
    ]);
    expect(promptOf(early.simulator.requests[1]).slice(1)).toEqual([
      "user: First",
      "assistant: First answer",
      "user: Second",
    ]);
  });

  it.each([
    {
      name: "a reply started meanwhile: reply.in_progress",
      change: ({ chat }: Awaited<ReturnType<typeof aChatWithOneTurn>>) =>
        raw.startTurn(aTurn(chat, { createChat: false, now: new Date() })),
      code: Code.FailedPrecondition,
    },
    {
      name: "the chat was deleted meanwhile: chat.not_found",
      change: ({ userId, chatId }: Awaited<ReturnType<typeof aChatWithOneTurn>>) =>
        raw.deleteChat(userId, chatId),
      code: Code.NotFound,
    },
  ])("a refusal found only under the lock ($name) aborts the early request", async ({ change, code }) => {
    const chat = await aChatWithOneTurn(early, earlyHooks);
    early.simulator.script({ fault: { kind: "hang" } });
    changeBeforeLock(() => change(chat));

    await expectCode(
      early.client().sendMessage({ userId: chat.userId, chatId: chat.chatId, text: "Too late" }),
      code,
    );

    expect(early.simulator.requests).toHaveLength(1);
    await early.simulator.clientClosed(early.simulator.requests[0]);
    expect(earlyHooks.prereads).toEqual([true]);
  });

  it("a request id another attempt stored meanwhile: the early request is aborted, the turn follows that attempt's reply", async () => {
    const chat = await aChatWithOneTurn(early, earlyHooks);
    const requestId = randomUUID();
    early.simulator.script({ fault: { kind: "hang" } });
    let prior: string | null = null;
    changeBeforeLock(async () => {
      const turn = aTurn(chat.chat, {
        createChat: false,
        now: new Date(),
        userMessage: { id: randomUUID(), content: "Second", tokenCount: 1 },
        request: { id: requestId, bodyHash: requestBodyHash("send", [chat.chatId, "Second", null, null]) },
      });
      const started = await raw.startTurn(turn);
      await raw.finishReply(started.reply.id, anOutcome({ userId: chat.userId, content: "Stored answer" }));
      prior = started.reply.id;
    });

    const answered = await collectReply(
      early.client().sendMessage({ userId: chat.userId, chatId: chat.chatId, text: "Second", requestId }),
    );

    expect(answered.started?.replyId).toBe(prior);
    expect(answered.text).toBe("Stored answer");
    expect(early.simulator.requests).toHaveLength(1);
    await early.simulator.clientClosed(early.simulator.requests[0]);
  });
});

describe("turns starting together in one process (turns-in-flight.ts)", () => {
  it("a second send to a chat while the first is starting is not read ahead: the refused one sends nothing", async () => {
    const { userId, chatId } = await aChatWithOneTurn(early, earlyHooks);
    const hold = await holdChat(early, chatId);
    // Either may lock the chat first: both are answered the same.
    for (const text of ["One", "Two"]) early.simulator.when(text, { deltas: ["Only", " one"] });
    const first = collectReply(early.client().sendMessage({ userId, chatId, text: "One" }));
    await expect.poll(() => hold.turnWaits(1)).toBe(true);
    const second = collectReply(early.client().sendMessage({ userId, chatId, text: "Two" }));
    await expect.poll(() => hold.turnWaits(2)).toBe(true);
    // Only the first was read ahead, and only its request went out.
    expect(earlyHooks.prereads).toEqual([true]);
    expect(early.simulator.requests).toHaveLength(1);

    await hold.release();
    const [one, two] = await Promise.all([first, second]);
    // Whichever locked the chat first is answered; the other is refused by its transaction.
    const answered = [one, two].filter((reply) => reply.finished);
    const refused = [one, two].filter((reply) => reply.error);
    expect(answered).toHaveLength(1);
    expect(refused.map((reply) => reply.error?.code)).toEqual([Code.FailedPrecondition]);
    expect(answered[0]?.text).toBe("Only one");
    const sent = early.simulator.requests;
    await expect.poll(() => sent.filter((request) => request.clientClosedAt === null).length).toBe(1);
  });
});

describe("MODEL_CALL_AFTER_COMMIT=true (the strict order, even with TURN_PRE_READ=true)", () => {
  it("makes no pre-read and sends nothing while the turn waits for the chat's lock", async () => {
    const { userId, chatId } = await aChatWithOneTurn(strict, strictHooks);
    const hold = await holdChat(strict, chatId);
    strict.simulator.script({ deltas: ["After", " you"] });
    const reply = collectReply(strict.client().sendMessage({ userId, chatId, text: "Second" }));

    await expect.poll(() => hold.turnWaits()).toBe(true);
    expect(strict.simulator.requests).toHaveLength(0);

    await hold.release();
    const answered = await reply;
    expect(answered.text).toBe("After you");
    expect(strict.simulator.requests).toHaveLength(1);
    expect(strictHooks.prereads).toEqual([]);
  });
});
