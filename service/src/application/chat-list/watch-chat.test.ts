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
});
