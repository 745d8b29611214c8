/**
 * The chat router called in-process, against a real service process (its simulator) and MariaDB: every
 * procedure, the reply stream's events and ids, resuming with lastEventId, another user's chats and
 * signed-out callers. What the router asks of the service, and refuses before asking, is pinned against
 * a fake service in src/server/trpc/routers/chat.test.ts.
 */
import { isTrackedEnvelope } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplyEvent } from "~/lib/chat-types";
import type { ChatWatchEvent } from "~/lib/chat-watch-event";
import { codePointLength } from "~/lib/code-points";
import { startBffHarness, type BffHarness, type TestUser } from "../support/bff-harness";
import { collect, rejection, type Received } from "../support/trpc-probes";

function textOf(received: Received[]): string {
  return received.map(({ event }) => (event.type === "delta" ? event.text : "")).join("");
}

let bff: BffHarness;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  bff = await startBffHarness({ paceMs: 15 });
  alice = await bff.signUp("Alice");
  bob = await bff.signUp("Bob");
});

afterAll(() => bff?.stop());

describe("chat.send", () => {
  it("streams started, then deltas at contiguous code-point offsets, then finished — and stores the answer", async () => {
    const caller = await bff.callerFor(alice.headers);
    const received = await collect(await caller.chat.send({ text: "Tell me about streams 🚀" }));

    const [first, ...rest] = received;
    expect(first?.event).toMatchObject({ type: "started", model: "gpt-4o-mini" });
    if (first?.event.type !== "started") throw new Error("no started event");
    const { chatId, replyId, context } = first.event;
    // The service's default system prompt and the question, as its settings and simulator count them.
    expect(context).toEqual({
      tokensUsed: 31,
      contextWindow: 128_000,
      maxOutputTokens: 1024,
      messagesLeftOut: 0,
      // Of them, the default system prompt's (pinned: sent in full every time).
      systemPromptTokens: 16,
    });
    expect(first.id).toBe(`${replyId}:0`);

    const deltas = rest.filter((item) => item.event.type === "delta");
    expect(deltas.length).toBeGreaterThan(5);
    let offset = 0;
    for (const { id, event } of deltas) {
      if (event.type !== "delta") continue;
      expect(event.offset).toBe(offset);
      offset += codePointLength(event.text);
      expect(id).toBe(`${replyId}:${offset}`);
    }
    const last = received.at(-1)!.event;
    expect(last).toEqual({ type: "finished", status: "complete", finishReason: "stop", length: offset });

    const page = await caller.chat.get({ chatId });
    expect(page.messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(page.messages[0]!.content).toBe("Tell me about streams 🚀");
    expect(page.messages[1]!.content).toBe(textOf(received));
    expect(page.context).toEqual({
      tokensUsed: 31,
      contextWindow: 128_000,
      maxOutputTokens: 1024,
      messagesLeftOut: 0,
      // Of them, the default system prompt's (pinned: sent in full every time).
      systemPromptTokens: 16,
    });
  });

  it("resumes after a dropped connection from lastEventId, without sending again or repeating text", async () => {
    const caller = await bff.callerFor(alice.headers);
    // Leave after a few deltas, as a browser whose connection drops does.
    const before = await collect(
      await caller.chat.send({ text: "A question worth resuming" }),
      (received) => received.filter((item) => item.event.type === "delta").length >= 4,
    );
    const started = before[0]!.event;
    if (started.type !== "started") throw new Error("no started event");
    const lastEventId = before.at(-1)!.id;
    const offset = Number(lastEventId.split(":")[1]);
    expect(offset).toBe(codePointLength(textOf(before)));

    // The reconnect repeats the original input plus the last id, as httpSubscriptionLink does.
    const after = await collect(
      await caller.chat.send({ chatId: null, text: "A question worth resuming", lastEventId }),
    );
    expect(after[0]!.event).toMatchObject({ type: "started", replyId: started.replyId });
    const firstDelta = after.find((item) => item.event.type === "delta")!.event;
    expect(firstDelta).toMatchObject({ offset });
    expect(after.at(-1)!.event).toMatchObject({ type: "finished", status: "complete" });

    const page = await caller.chat.get({ chatId: started.chatId });
    expect(page.messages).toHaveLength(2);
    expect(page.messages[1]!.content).toBe(textOf(before) + textOf(after));
  });

  it("chat.watch picks a reply up from the length of the text a page already has", async () => {
    const caller = await bff.callerFor(alice.headers);
    const before = await collect(
      await caller.chat.send({ text: "Watch me" }),
      (received) => received.filter((item) => item.event.type === "delta").length >= 3,
    );
    const started = before[0]!.event;
    if (started.type !== "started") throw new Error("no started event");
    const shown = textOf(before);
    const rest = await collect(
      await caller.chat.watch({ replyId: started.replyId, fromOffset: codePointLength(shown) }),
    );
    expect(rest.at(-1)!.event).toMatchObject({ type: "finished", status: "complete" });
    const page = await caller.chat.get({ chatId: started.chatId });
    expect(page.messages[1]!.content).toBe(shown + textOf(rest));
  });
});

describe("chat.stop", () => {
  it("ends the reply midway; the partial answer is kept as stopped", async () => {
    const caller = await bff.callerFor(alice.headers);
    const received: Received[] = [];
    let stopped: { status: string } | undefined;
    for await (const item of await caller.chat.send({ text: "Please stop me halfway" })) {
      if (!isTrackedEnvelope(item)) continue;
      received.push({ id: item[0], event: item[1] as ReplyEvent });
      const started = received[0]!.event;
      if (!stopped && started.type === "started" && received.length >= 4) {
        stopped = await caller.chat.stop({ replyId: started.replyId });
      }
    }
    expect(stopped).toEqual({ status: "stopped" });
    const last = received.at(-1)!.event;
    expect(last).toMatchObject({ type: "finished", status: "stopped" });
    const started = received[0]!.event;
    if (started.type !== "started") throw new Error("no started event");
    const page = await caller.chat.get({ chatId: started.chatId });
    expect(page.messages[1]).toMatchObject({ status: "stopped", content: textOf(received) });
    expect(codePointLength(page.messages[1]!.content)).toBe(last.type === "finished" ? last.length : -1);
  });
});

describe("chat.list, chat.rename, chat.delete", () => {
  it("lists the user's chats newest first, renames and deletes them", async () => {
    const carol = await bff.signUp("Carol");
    const caller = await bff.callerFor(carol.headers);
    const chatIds: string[] = [];
    for (const text of ["First chat", "Second chat"]) {
      const received = await collect(await caller.chat.send({ text }));
      const started = received[0]!.event;
      if (started.type === "started") chatIds.push(started.chatId);
    }
    const listed = await caller.chat.list();
    expect(listed.chats.map((chat) => chat.id)).toEqual([chatIds[1], chatIds[0]]);
    expect(listed.chats.map((chat) => chat.title)).toEqual(["Second chat", "First chat"]);
    expect(listed.nextCursor).toBeNull();

    const paged = await caller.chat.list({ limit: 1 });
    expect(paged.chats).toHaveLength(1);
    const next = await caller.chat.list({ limit: 1, cursor: paged.nextCursor });
    expect(next.chats.map((chat) => chat.id)).toEqual([chatIds[0]]);

    const renamed = await caller.chat.rename({ chatId: chatIds[0]!, title: "  Renamed ✨  " });
    expect(renamed).toMatchObject({ id: chatIds[0], title: "Renamed ✨" });
    expect((await caller.chat.get({ chatId: chatIds[0]! })).chat.title).toBe("Renamed ✨");

    await caller.chat.delete({ chatId: chatIds[1]! });
    expect((await caller.chat.list()).chats.map((chat) => chat.id)).toEqual([chatIds[0]]);
    expect((await rejection(caller.chat.get({ chatId: chatIds[1]! }))).code).toBe("NOT_FOUND");
  });
});

describe("chat.watchChat", () => {
  it("follows one chat: ready, each reply from its start, changes, and deleted last", async () => {
    const caller = await bff.callerFor(alice.headers);
    const first = await collect(await caller.chat.send({ text: "Watch this chat" }));
    if (first[0]?.event.type !== "started") throw new Error("no started event");
    const { chatId } = first[0].event;

    const watch = (await caller.chat.watchChat({ chatId }))[Symbol.asyncIterator]();
    const next = async () => ((await watch.next()).value ?? null) as ChatWatchEvent | null;
    expect(await next()).toMatchObject({ type: "ready", chat: { id: chatId, title: "Watch this chat" } });

    // A reply sent elsewhere (here, another call) is told from its start, text and all.
    const sent = await collect(await caller.chat.send({ chatId, text: "And again" }));
    const told: ReplyEvent[] = [];
    for (let event = await next(); event; event = await next()) {
      if (event.type !== "reply") continue;
      told.push(event.event);
      if (event.event.type === "finished") break;
    }
    expect(told[0]).toMatchObject({
      type: "started",
      chatId,
      replyId: (sent[0]!.event as { replyId: string }).replyId,
    });
    expect(told.map((event) => (event.type === "delta" ? event.text : "")).join("")).toBe(textOf(sent));
    expect(told.at(-1)).toEqual(sent.at(-1)!.event);

    await caller.chat.rename({ chatId, title: "Watched" });
    let changed = await next();
    // The new turn moved the chat up (a `changed`) before the rename.
    while (changed?.type === "changed" && changed.chat.title !== "Watched") changed = await next();
    expect(changed).toMatchObject({ type: "changed", chat: { id: chatId, title: "Watched" } });

    await caller.chat.delete({ chatId });
    let last = await next();
    while (last?.type === "changed") last = await next();
    expect(last).toEqual({ type: "deleted", chatId });
    expect((await watch.next()).done).toBe(true);
  });

  it("tells a chat that is not there (or not yours) as deleted, and ends", async () => {
    const aliceCaller = await bff.callerFor(alice.headers);
    const sent = await collect(await aliceCaller.chat.send({ text: "Not Bob's" }));
    const { chatId } = sent[0]!.event as { chatId: string };
    const bobCaller = await bff.callerFor(bob.headers);
    const events: unknown[] = [];
    for await (const event of await bobCaller.chat.watchChat({ chatId })) events.push(event);
    expect(events).toEqual([{ type: "deleted", chatId }]);
  });
});

describe("another user's chats", () => {
  it("are NOT_FOUND for every procedure and never listed", async () => {
    const aliceCaller = await bff.callerFor(alice.headers);
    const received = await collect(await aliceCaller.chat.send({ text: "Alice's secret" }));
    const started = received[0]!.event;
    if (started.type !== "started") throw new Error("no started event");
    const { chatId, replyId } = started;

    const bobCaller = await bff.callerFor(bob.headers);
    expect((await bobCaller.chat.list()).chats.map((chat) => chat.id)).not.toContain(chatId);
    const attempts: Promise<unknown>[] = [
      bobCaller.chat.get({ chatId }),
      bobCaller.chat.rename({ chatId, title: "mine now" }),
      bobCaller.chat.delete({ chatId }),
      bobCaller.chat.stop({ replyId }),
      bobCaller.chat.watch({ replyId, fromOffset: 0 }).then((events) => collect(events)),
      bobCaller.chat.send({ chatId, text: "hi" }).then((events) => collect(events)),
      bobCaller.chat.send({ text: "hi", lastEventId: `${replyId}:0` }).then((events) => collect(events)),
    ];
    // Each rejection is handled from the start (awaiting them one by one left later ones unhandled).
    for (const error of await Promise.all(attempts.map(rejection))) {
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toBe("This chat does not exist, or it is not yours.");
    }
    // Alice's chat is untouched.
    const page = await aliceCaller.chat.get({ chatId });
    expect(page.chat.title).toBe("Alice's secret");
    expect(page.messages).toHaveLength(2);
  });
});

describe("signed-out callers", () => {
  it("get UNAUTHORIZED from every procedure, subscriptions included", async () => {
    const caller = await bff.callerFor(new Headers());
    const forged = await bff.callerFor(new Headers({ cookie: "better-auth.session_token=forged.value" }));
    for (const anonymous of [caller, forged]) {
      const attempts: Promise<unknown>[] = [
        anonymous.chat.list(),
        anonymous.chat.get({ chatId: "abc" }),
        anonymous.chat.rename({ chatId: "abc", title: "t" }),
        anonymous.chat.delete({ chatId: "abc" }),
        anonymous.chat.stop({ replyId: "abc" }),
        anonymous.chat.send({ text: "hi" }).then((events) => collect(events)),
        anonymous.chat.watch({ replyId: "abc", fromOffset: 0 }).then((events) => collect(events)),
        anonymous.chat.watchChat({ chatId: "abc" }).then((events) => collect(events)),
      ];
      for (const attempt of attempts) expect((await rejection(attempt)).code).toBe("UNAUTHORIZED");
    }
  });
});
