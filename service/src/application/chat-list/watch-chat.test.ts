import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  aUseCaseFixture,
  collect,
  silentLogger,
  startedOf,
  wordCounter,
} from "../../../test/support/use-case-fixture.js";
import { ChatUseCases } from "../chat-use-cases.js";
import { createInProcessChatEvents } from "./chat-events.js";
import { publishChatEvents } from "./publish-chat-events.js";
import type { ChatWatchEvent } from "./watch-chat.js";
import { ChatWatches } from "./watch-chats.js";

const userId = "user-1";

/** Use cases whose chat changes are announced, as in the app. */
function aWatchedFixture() {
  const base = aUseCaseFixture();
  const events = createInProcessChatEvents();
  const useCases = new ChatUseCases({
    repository: publishChatEvents(events, base.repository, silentLogger).repository,
    hub: base.hub,
    tokenCounter: wordCounter,
    clock: { now: () => new Date() },
    newId: randomUUID,
    logger: silentLogger,
    settings: base.settings,
    chatWatches: new ChatWatches(events),
  });
  return { ...base, useCases };
}

const short = (event: ChatWatchEvent) =>
  event.type === "chat"
    ? `chat ${event.chat.title}`
    : event.type === "deleted"
      ? "deleted"
      : event.type === "branch"
        ? `branch ${event.leafId}`
        : event.event.type === "started"
          ? `started ${event.event.replyId}`
          : event.event.type === "delta"
            ? `delta ${event.event.text}`
            : `finished ${event.event.status}`;

describe("watchChat", () => {
  it("tells replies that started and ended while it was not reading, once each and in order", async () => {
    const { useCases, model } = aWatchedFixture();
    model.enqueue({ deltas: ["first"] });
    const chatId = startedOf(await collect(await useCases.sendMessage({ userId, text: "Hi" }))).chatId;
    const abort = new AbortController();
    const watch = useCases.watchChat({ userId, chatId, signal: abort.signal })[Symbol.asyncIterator]();
    expect(short((await watch.next()).value as ChatWatchEvent)).toBe("chat Hi");

    // Two whole turns while the watch is not read.
    const replyIds: string[] = [];
    for (const text of ["one", "two"]) {
      model.enqueue({ deltas: [text] });
      replyIds.push(startedOf(await collect(await useCases.sendMessage({ userId, chatId, text }))).replyId);
    }
    const told: string[] = [];
    while (told.filter((e) => e.startsWith("finished")).length < 2)
      told.push(short((await watch.next()).value as ChatWatchEvent));
    expect(told).toEqual([
      "chat Hi", // the turns' update (coalesced)
      `started ${replyIds[0]}`,
      "delta one",
      "finished complete",
      `started ${replyIds[1]}`,
      "delta two",
      "finished complete",
    ]);

    // A later change tells just that: no reply again.
    await useCases.renameChat({ userId, chatId, title: "Renamed" });
    expect(short((await watch.next()).value as ChatWatchEvent)).toBe("chat Renamed");
    await useCases.deleteChat({ userId, chatId });
    expect(short((await watch.next()).value as ChatWatchEvent)).toBe("deleted");
    expect((await watch.next()).done).toBe(true);
  });

  it("reads each reply it tells once", async () => {
    const { useCases, model, repository } = aWatchedFixture();
    model.enqueue({ deltas: ["first"] });
    const chatId = startedOf(await collect(await useCases.sendMessage({ userId, text: "Hi" }))).chatId;
    const abort = new AbortController();
    const watch = useCases.watchChat({ userId, chatId, signal: abort.signal })[Symbol.asyncIterator]();
    await watch.next(); // the summary
    for (const text of ["one", "two"]) {
      model.enqueue({ deltas: [text] });
      await collect(await useCases.sendMessage({ userId, chatId, text }));
    }
    const findReply = repository.findReply.bind(repository);
    const read: string[] = [];
    repository.findReply = (user, replyId) => {
      read.push(replyId);
      return findReply(user, replyId);
    };
    const told: ChatWatchEvent[] = [];
    while (told.filter((e) => e.type === "reply" && e.event.type === "finished").length < 2)
      told.push((await watch.next()).value as ChatWatchEvent);
    const replyIds = told.flatMap((e) =>
      e.type === "reply" && e.event.type === "started" ? [e.event.replyId] : [],
    );
    expect(read).toEqual(replyIds);
    abort.abort();
  });

  it("tells a regenerated and an edited reply naming the message they answer, then a branch switch", async () => {
    const { useCases, model } = aWatchedFixture();
    model.enqueue({ deltas: ["first"] });
    const first = startedOf(await collect(await useCases.sendMessage({ userId, text: "Hi" })));
    const { chatId } = first;
    const abort = new AbortController();
    const watch = useCases.watchChat({ userId, chatId, signal: abort.signal })[Symbol.asyncIterator]();
    const next = async () => (await watch.next()).value as ChatWatchEvent;
    expect(short(await next())).toBe("chat Hi");

    model.enqueue({ deltas: ["again"] });
    const regenerated = startedOf(await collect(await useCases.regenerateReply({ userId, chatId })));
    model.enqueue({ deltas: ["edited"] });
    const edited = startedOf(
      await collect(
        await useCases.editMessage({ userId, chatId, messageId: first.userMessageId, text: "Hey" }),
      ),
    );
    const told: ChatWatchEvent[] = [];
    while (told.filter((e) => e.type === "reply" && e.event.type === "finished").length < 2)
      told.push(await next());
    expect(told.map(short)).toEqual([
      "chat Hi",
      `started ${regenerated.replyId}`,
      "delta again",
      "finished complete",
      `started ${edited.replyId}`,
      "delta edited",
      "finished complete",
    ]);
    const answered = told.flatMap((e) =>
      e.type === "reply" && e.event.type === "started" ? [e.event.userMessageId] : [],
    );
    expect(answered).toEqual([first.userMessageId, edited.userMessageId]);

    // Another device shows the first version again: its newest leaf is the regenerated reply.
    const switched = await useCases.setActiveBranch({ userId, chatId, messageId: first.userMessageId });
    expect(switched.leafId).toBe(regenerated.replyId);
    expect(short(await next())).toBe(`branch ${regenerated.replyId}`);
    // A switch in another chat is not this watch's.
    model.enqueue({ deltas: ["elsewhere"] });
    const other = startedOf(await collect(await useCases.sendMessage({ userId, text: "Other" })));
    await useCases.setActiveBranch({ userId, chatId: other.chatId, messageId: other.userMessageId });
    await useCases.setActiveBranch({ userId, chatId, messageId: first.replyId });
    expect(short(await next())).toBe(`branch ${first.replyId}`);
    abort.abort();
    expect((await watch.next()).done).toBe(true);
  });
});
