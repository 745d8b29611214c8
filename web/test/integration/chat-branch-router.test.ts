/**
 * The branch procedures called in-process against a real service process and MariaDB: regenerate and
 * edit stream like send and resume from lastEventId, setActiveBranch switches the path chat.get shows
 * (with each message's versions), and the service's refusals arrive as clear tRPC errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplyEvent } from "~/lib/chat-types";
import { codePointLength } from "~/lib/code-points";
import { startBffHarness, type BffHarness, type TestUser } from "../support/bff-harness";
import { collect, rejection, type Received } from "../support/trpc-probes";

let bff: BffHarness;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  bff = await startBffHarness({ paceMs: 15 });
  alice = await bff.signUp("Alice");
  bob = await bff.signUp("Bob");
});

afterAll(() => bff?.stop());

function startedOf(received: Received[]): Extract<ReplyEvent, { type: "started" }> {
  const event = received[0]?.event;
  if (event?.type !== "started") throw new Error("no started event");
  return event;
}

const textOf = (received: Received[]) =>
  received.map(({ event }) => (event.type === "delta" ? event.text : "")).join("");

/** A chat of alice's with one turn per text; its id and the messages' ids, in order. */
async function aChat(texts: string[]): Promise<{ chatId: string; ids: string[] }> {
  const caller = await bff.callerFor(alice.headers);
  let chatId: string | null = null;
  const ids: string[] = [];
  for (const text of texts) {
    const started = startedOf(await collect(await caller.chat.send({ chatId, text })));
    chatId = started.chatId;
    ids.push(started.userMessageId, started.replyId);
  }
  return { chatId: chatId!, ids };
}

const versionsOf = (page: { messages: { id: string; siblingCount: number; siblingIndex: number }[] }) =>
  page.messages.map(({ id, siblingCount, siblingIndex }) => [id, `${siblingIndex + 1}/${siblingCount}`]);

describe("chat.regenerate", () => {
  it("streams another answer beside the first; setActiveBranch goes back to it", async () => {
    const caller = await bff.callerFor(alice.headers);
    const { chatId, ids } = await aChat(["Name three rivers"]);
    const [question, first] = ids as [string, string];

    const received = await collect(await caller.chat.regenerate({ chatId, messageId: first }));
    const started = startedOf(received);
    expect(started).toMatchObject({ chatId, userMessageId: question });
    expect(received.at(-1)!.event).toMatchObject({ type: "finished", status: "complete" });
    expect(received.at(-1)!.id).toBe(`${started.replyId}:${codePointLength(textOf(received))}`);

    const page = await caller.chat.get({ chatId });
    expect(page.leafId).toBe(started.replyId);
    expect(versionsOf(page)).toEqual([
      [question, "1/1"],
      [started.replyId, "2/2"],
    ]);
    expect(page.messages[1]).toMatchObject({
      parentId: question,
      previousSiblingId: first,
      nextSiblingId: null,
      content: textOf(received),
    });

    expect(await caller.chat.setActiveBranch({ chatId, messageId: first })).toEqual({ leafId: first });
    expect(versionsOf(await caller.chat.get({ chatId }))).toEqual([
      [question, "1/1"],
      [first, "1/2"],
    ]);
  });

  it("resumes a dropped regenerate from lastEventId without starting another answer", async () => {
    const caller = await bff.callerFor(alice.headers);
    const { chatId, ids } = await aChat(["A question worth asking twice"]);
    const before = await collect(
      await caller.chat.regenerate({ chatId, messageId: ids[1]! }),
      (received) => received.filter((item) => item.event.type === "delta").length >= 3,
    );
    const started = startedOf(before);
    const lastEventId = before.at(-1)!.id;
    const after = await collect(await caller.chat.regenerate({ chatId, messageId: ids[1]!, lastEventId }));
    expect(after.at(-1)!.event).toMatchObject({ type: "finished", status: "complete" });

    const page = await caller.chat.get({ chatId });
    expect(versionsOf(page)).toEqual([
      [ids[0], "1/1"],
      [started.replyId, "2/2"],
    ]);
    expect(page.messages[1]!.content).toBe(textOf(before) + textOf(after));
  });

  it("refuses while the chat answers (CONFLICT), and an unknown message (NOT_FOUND)", async () => {
    const caller = await bff.callerFor(alice.headers);
    const { chatId, ids } = await aChat(["Keep me busy"]);
    const busy = await collect(
      await caller.chat.send({ chatId, text: "Something long" }),
      (received) => received.length >= 2,
    );
    const refused = await rejection(collect(await caller.chat.regenerate({ chatId, messageId: ids[1]! })));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      "This chat is still answering. Wait for the answer or stop it, then try again.",
    ]);
    await caller.chat.stop({ replyId: startedOf(busy).replyId });

    const missing = await rejection(
      collect(await caller.chat.regenerate({ chatId, messageId: "01a24200-0000-7000-8000-000000000000" })),
    );
    expect([missing.code, missing.message]).toEqual([
      "NOT_FOUND",
      "That message is no longer in this chat. Reload the chat to see its latest state.",
    ]);
  });
});

describe("chat.edit", () => {
  it("answers a new version of an earlier message; the old version and what followed stay reachable", async () => {
    const caller = await bff.callerFor(alice.headers);
    const { chatId, ids } = await aChat(["Suggest a name for a cat", "Now one for a dog"]);

    const received = await collect(
      await caller.chat.edit({ chatId, messageId: ids[0]!, text: "Suggest a name for a goldfish" }),
    );
    const started = startedOf(received);
    const edited = await caller.chat.get({ chatId });
    expect(versionsOf(edited)).toEqual([
      [started.userMessageId, "2/2"],
      [started.replyId, "1/1"],
    ]);
    expect(edited.messages[0]).toMatchObject({ content: "Suggest a name for a goldfish", parentId: null });

    await caller.chat.setActiveBranch({ chatId, messageId: ids[0]! });
    const old = await caller.chat.get({ chatId });
    expect(old.messages.map(({ id }) => id)).toEqual(ids);
    expect(old.leafId).toBe(ids[3]);
    // The path to a given leaf, without switching.
    const other = await caller.chat.get({ chatId, leafId: started.replyId });
    expect(other.messages.map(({ id }) => id)).toEqual([started.userMessageId, started.replyId]);
  });

  it("refuses to edit an answer (BAD_REQUEST), and another user's chat is NOT_FOUND", async () => {
    const caller = await bff.callerFor(alice.headers);
    const { chatId, ids } = await aChat(["Hello"]);
    const reply = await rejection(
      collect(await caller.chat.edit({ chatId, messageId: ids[1]!, text: "No" })),
    );
    expect([reply.code, reply.message]).toEqual([
      "BAD_REQUEST",
      "Only your own messages can be edited. To get another answer, regenerate it.",
    ]);

    const bobs = await bff.callerFor(bob.headers);
    expect((await rejection(bobs.chat.setActiveBranch({ chatId, messageId: ids[0]! }))).code).toBe(
      "NOT_FOUND",
    );
    const edit = bobs.chat.edit({ chatId, messageId: ids[0]!, text: "Mine now" }).then(collect);
    expect((await rejection(edit)).code).toBe("NOT_FOUND");
  });
});
