import { afterAll, beforeAll, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { aChat, anOutcome, aTurn } from "./builders.js";

// Its own database: the sweep touches every chat, so no other test's replies may be in it.
let database: TestDatabase;
let repository: ChatRepository;

beforeAll(async () => {
  database = await createTestDatabase();
  repository = createMysqlChatRepository(database.db);
});
afterAll(() => database.drop());

it("ends every reply left streaming as interrupted, keeping its text, and only those", async () => {
  const alice = aChat({ userId: "alice" });
  const bob = aChat({ userId: "bob" });
  const carol = aChat({ userId: "carol" });
  const left = await repository.startTurn(aTurn(alice));
  await repository.saveReplyProgress(left.reply.id, "half an ans", new Date("2025-01-01T00:00:01.000Z"));
  const alsoLeft = await repository.startTurn(aTurn(bob));
  const finished = await repository.startTurn(aTurn(carol));
  await repository.finishReply(finished.reply.id, anOutcome());

  const now = new Date("2025-01-03T00:00:00.000Z");
  expect(await repository.interruptStreamingReplies(now)).toBe(2);

  expect(await repository.findReply("alice", left.reply.id)).toMatchObject({
    status: "interrupted",
    content: "half an ans",
    error: "the service stopped while answering",
    updatedAt: now,
  });
  expect(await repository.findReply("bob", alsoLeft.reply.id)).toMatchObject({ status: "interrupted" });
  expect(await repository.findReply("carol", finished.reply.id)).toMatchObject({
    status: "complete",
    error: null,
  });
  const statuses = (await repository.listMessages(alice.id, 10, null)).items.map((message) => message.status);
  expect(statuses).toEqual(["complete", "interrupted"]);
  // The swept chat takes a new turn, the old reply cannot be ended again, and a second sweep finds nothing.
  await expect(repository.startTurn(aTurn(alice, { createChat: false }))).resolves.toMatchObject({
    userMessage: { seq: 3 },
  });
  expect(await repository.finishReply(left.reply.id, anOutcome())).toBe(false);
  expect(await repository.interruptStreamingReplies(now)).toBe(1); // the new turn's reply
  expect(await repository.interruptStreamingReplies(now)).toBe(0);
});
