// A turn's model request starts once the turn's checks pass, while its rows are written and committed
// (turn.ts, `onChecked`), over the real openai SDK against the simulator and a real MariaDB. A second
// connection holds the turn's INSERT (a gap lock where its rows go), so "before the commit" is a state
// the test holds, not a race: the request reaches the simulator while the INSERT waits; the `started`
// event waits for the commit; a turn whose INSERT then fails aborts the request; a refused turn sends
// nothing; MODEL_CALL_AFTER_COMMIT=true keeps the strict order.
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import type { PoolConnection, RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatRepository, NewTurn } from "../../src/application/chats/chat-repository.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { aChat, aTurn } from "../support/chat-builders.js";
import { collectReply, expectCode, streamingReplies } from "../support/rpc-probes.js";

/** How many turns reached `onChecked` (their checks passed), per harness. */
const checkedTurns = new Map<string, number>();
const countingChecks =
  (name: string) =>
  (repository: ChatRepository): ChatRepository =>
    new Proxy(repository, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== "startTurn" || typeof value !== "function") return value;
        return (turn: NewTurn) => {
          const { onChecked } = turn;
          const counted: NewTurn = onChecked
            ? {
                ...turn,
                onChecked: (checked) => {
                  checkedTurns.set(name, (checkedTurns.get(name) ?? 0) + 1);
                  onChecked(checked);
                },
              }
            : turn;
          return (value as ChatRepository["startTurn"]).call(target, counted);
        };
      },
    });

let early: Harness;
let strict: Harness;
beforeAll(async () => {
  [early, strict] = await Promise.all([
    startParley({ wrapRepository: countingChecks("early") }),
    startParley({ wrapRepository: countingChecks("strict"), settings: { modelCallAfterCommit: true } }),
  ]);
});
afterAll(async () => {
  await Promise.all([early?.stop(), strict?.stop()]);
});
beforeEach(() => {
  checkedTurns.clear();
});

/** A chat with one answered turn (user message seq 1, reply seq 2); the simulator forgets that request. */
async function aChatWithOneTurn(harness: Harness) {
  const userId = `early-${randomUUID()}`;
  const first = await collectReply(harness.client().sendMessage({ userId, text: "First" }));
  expect(first.finished?.finishReason).toBe("stop");
  harness.simulator.reset();
  checkedTurns.clear();
  return { userId, chatId: first.started!.chatId };
}

/**
 * Holds the next turn of `chatId` at its INSERT: a gap lock after the chat's newest row (seq 2) on the
 * (chat_id, seq) index, where the turn's rows go. The turn's reads are plain (snapshot) reads, so
 * everything before its INSERT runs; the INSERT waits until `release`.
 */
async function holdInsert(harness: Harness, chatId: string) {
  const holder: PoolConnection = await harness.database.pool.getConnection();
  await holder.query("BEGIN");
  await holder.query("SELECT id FROM messages WHERE chat_id = ? AND seq > 2 FOR UPDATE", [chatId]);
  return {
    /** The connection id of the turn once its INSERT runs (and waits: it cannot end while held). */
    async waiter(): Promise<number | null> {
      const [rows] = await harness.database.pool.query<RowDataPacket[]>(
        `SELECT ID AS id FROM information_schema.PROCESSLIST
          WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'insert into \`messages\`%'`,
        [harness.database.name],
      );
      return rows.length === 1 ? Number(rows[0]?.["id"]) : null;
    },
    async release() {
      await holder.query("ROLLBACK");
      holder.release();
    },
  };
}

async function messagesOf(harness: Harness, chatId: string) {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT seq, role, status FROM messages WHERE chat_id = ? ORDER BY seq",
    [chatId],
  );
  return rows.map((row) => `${row["seq"]} ${row["role"]} ${row["status"]}`);
}

describe("the model call starts with the commit (the default)", () => {
  it("reaches the upstream while the turn's INSERT waits; `started` comes only after the commit", async () => {
    const { userId, chatId } = await aChatWithOneTurn(early);
    const hold = await holdInsert(early, chatId);
    early.simulator.script({ deltas: ["Early", " bird"] });
    const events: string[] = [];
    let released = false;
    const reply = collectReply(
      (async function* () {
        for await (const response of early.client().sendMessage({ userId, chatId, text: "Second" })) {
          events.push(`${response.event?.kind.case}${released ? "" : " before the commit"}`);
          yield response;
        }
      })(),
    );

    // The upstream answered in full while the turn's rows were not written yet.
    await expect.poll(() => early.simulator.requests[0]?.endedAt ?? null).not.toBeNull();
    expect(early.simulator.requests).toHaveLength(1);
    await expect.poll(() => hold.waiter()).not.toBeNull();
    expect(await messagesOf(early, chatId)).toEqual(["1 user complete", "2 assistant complete"]);
    expect(events).toEqual([]);

    released = true;
    await hold.release();
    const answered = await reply;
    expect(answered.kinds).toEqual(["started", "delta", "delta", "finished"]);
    expect(events).toEqual(["started", "delta", "delta", "finished"]);
    expect(answered.text).toBe("Early bird");
    expect(answered.finished?.finishReason).toBe("stop");
    expect(checkedTurns.get("early")).toBe(1);
    expect(await messagesOf(early, chatId)).toEqual([
      "1 user complete",
      "2 assistant complete",
      "3 user complete",
      "4 assistant complete",
    ]);
  });

  it("a turn whose INSERT fails after its checks aborts the request at once; nothing stays behind", async () => {
    const { userId, chatId } = await aChatWithOneTurn(early);
    const hold = await holdInsert(early, chatId);
    early.simulator.script({ fault: { kind: "hang" } });
    const sending = expectCode(
      early.client().sendMessage({ userId, chatId, text: "Lost" }),
      Code.Unavailable,
    );

    await expect.poll(() => early.simulator.requests.length).toBe(1);
    await expect.poll(() => hold.waiter()).not.toBeNull();
    const turnConnection = await hold.waiter();
    // The database interrupts the turn's INSERT: its transaction rolls back.
    await early.database.pool.query(`KILL QUERY ${turnConnection}`);
    const error = await sending;
    await early.simulator.clientClosed(early.simulator.requests[0]);
    await hold.release();

    expect(error.rawMessage).toBe("the chat store is unavailable; try again shortly");
    expect(await messagesOf(early, chatId)).toEqual(["1 user complete", "2 assistant complete"]);
    expect(await streamingReplies(early)).toBe(0);
    // No job holds the chat: the next message is answered.
    early.simulator.reset();
    const next = await collectReply(early.client().sendMessage({ userId, chatId, text: "Again" }));
    expect(next.finished?.finishReason).toBe("stop");
    expect(await messagesOf(early, chatId)).toHaveLength(4);
  });

  it("a refused turn (a reply in progress, found in the database) sends nothing upstream", async () => {
    const chat = aChat({ userId: `early-${randomUUID()}` });
    // A live reply no hub of this process knows (as if another replica's): only startTurn finds it.
    await early.repository.startTurn(aTurn(chat));
    checkedTurns.clear();
    early.simulator.reset();

    await expectCode(
      early.client().sendMessage({ userId: chat.userId, chatId: chat.id, text: "Too soon" }),
      Code.FailedPrecondition,
    );
    expect(checkedTurns.get("early")).toBeUndefined();
    expect(early.simulator.requests).toHaveLength(0);
  });
});

describe("MODEL_CALL_AFTER_COMMIT=true (the strict order)", () => {
  it("sends nothing while the turn's INSERT waits; the request goes out after the commit", async () => {
    const { userId, chatId } = await aChatWithOneTurn(strict);
    const hold = await holdInsert(strict, chatId);
    strict.simulator.script({ deltas: ["After", " you"] });
    const reply = collectReply(strict.client().sendMessage({ userId, chatId, text: "Second" }));

    // Past every check (the turn waits at its INSERT), and nothing was sent.
    await expect.poll(() => hold.waiter()).not.toBeNull();
    expect(strict.simulator.requests).toHaveLength(0);
    expect(checkedTurns.get("strict")).toBeUndefined();

    await hold.release();
    const answered = await reply;
    expect(answered.text).toBe("After you");
    expect(strict.simulator.requests).toHaveLength(1);
  });
});
