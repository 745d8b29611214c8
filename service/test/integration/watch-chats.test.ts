// WatchChats end to end (Connect over HTTP/2, MariaDB, the simulator): a user's chat list, live. Each
// change is announced once committed, with the chat's summary, to the owner's watches only; a user has
// at most `maxWatchesPerUser` watches open per process.
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { ExportFormat } from "@parley/gen/parley/transfer/v1/transfer_pb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { titleRequestMarker } from "../../src/application/titles/title-text.js";
import { watchChatList } from "../support/chat-list-watch.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply } from "../support/rpc-probes.js";
import { exportFile, importFile, transferClient } from "../support/transfer-probes.js";

const wait = { timeout: 10_000 };

let harness: Harness;
let client: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley({
    titleSettings: { model: "gpt-4.1-nano", timeoutMs: 2_500, maxConcurrent: 4 },
    chatWatches: { maxWatchesPerUser: 2, maxPendingPerWatch: 16 },
  });
  client = harness.client("connect-h2");
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

const aUser = () => `watch-${randomUUID()}`;

async function send(userId: string, text: string, chatId?: string) {
  const reply = await collectReply(client.sendMessage({ userId, text, ...(chatId && { chatId }) }));
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  return reply.started!.chatId;
}

describe("WatchChats", () => {
  it("announces a new chat, its generated title, a rename and a delete to the owner, nothing to others", async () => {
    const [owner, other] = [aUser(), aUser()];
    const watch = await watchChatList(client, owner);
    const othersWatch = await watchChatList(client, other);
    harness.simulator.when(titleRequestMarker, { text: "Lisbon weekend" });

    const chatId = await send(owner, "What to see in Lisbon?");
    await expect.poll(() => watch.events, wait).toContain(`updated ${chatId} Lisbon weekend`);
    expect(watch.events[0]).toBe("ready");
    // Created with its first message's title (or already the generated one, had it landed first).
    expect(watch.events[1]).toMatch(
      new RegExp(`^created ${chatId} (What to see in Lisbon\\?|Lisbon weekend)$`),
    );

    await client.renameChat({ userId: owner, chatId, title: "Trip" });
    await expect.poll(() => watch.events.at(-1)).toBe(`updated ${chatId} Trip`);
    await client.setChatInstructions({ userId: owner, chatId, instructions: "Be brief." });
    await expect.poll(() => watch.events.length).toBe(5);
    expect(watch.events.at(-1)).toBe(`updated ${chatId} Trip`);
    await client.deleteChat({ userId: owner, chatId });
    await expect.poll(() => watch.events.at(-1)).toBe(`deleted ${chatId}`);

    await Promise.all([watch.close(), othersWatch.close()]);
    expect(othersWatch.events).toEqual(["ready"]);
    expect(watch.error).toBeUndefined();
  });

  it("moves a chat up on a new message with an `updated` carrying its newer update time", async () => {
    const userId = aUser();
    const chatId = await send(userId, "First");
    const watch = await watchChatList(client, userId);
    await send(userId, "Second", chatId);
    // (Its generated title may land meanwhile: another `updated` of the same chat.)
    await expect.poll(() => watch.events.length).toBeGreaterThan(1);
    expect(watch.events[0]).toBe("ready");
    for (const event of watch.events.slice(1)) expect(event.startsWith(`updated ${chatId} `)).toBe(true);
    await watch.close();
  });

  it("tells the importing user's watches to resync once an import is stored, and nobody else", async () => {
    const [alice, bob] = [aUser(), aUser()];
    await send(alice, "Something to export");
    const transfer = transferClient(harness, "connect-h2");
    const file = await exportFile(transfer, alice, ExportFormat.JSON);
    const [alicesWatch, bobsWatch] = [await watchChatList(client, alice), await watchChatList(client, bob)];

    expect((await importFile(transfer, bob, file.text)).chats).toHaveLength(1);
    await expect.poll(() => bobsWatch.events).toEqual(["ready", "resync"]);
    await Promise.all([alicesWatch.close(), bobsWatch.close()]);
    // (Alice's chat may get its generated title meanwhile: an `updated`, but no resync.)
    expect(alicesWatch.events).not.toContain("resync");
  });

  it("refuses a watch beyond the per-user bound with RESOURCE_EXHAUSTED, and serves others", async () => {
    const userId = aUser();
    const open = [await watchChatList(client, userId), await watchChatList(client, userId)];
    const refused = await watchChatList(client, userId, false);
    await refused.ended;
    expect(refused.error?.code).toBe(Code.ResourceExhausted);
    expect(refused.error?.rawMessage).toBe("you have 2 chat list watches open, the most there can be");
    expect(refused.events).toEqual([]);

    const someoneElse = await watchChatList(client, aUser());
    await open[0]!.close();
    const again = await watchChatList(client, userId);
    await Promise.all([open[1]!.close(), again.close(), someoneElse.close()]);
    await expect.poll(() => harness.parley.openChatWatches(userId)).toBe(0);
  });
});
