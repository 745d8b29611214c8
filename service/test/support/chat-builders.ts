/** Builders for the repository tests: valid defaults, overridden per test. */
import { randomUUID } from "node:crypto";
import type { ChatRepository, NewTurn, ReplyOutcome } from "../../src/application/chats/chat-repository.js";
import type { Chat } from "../../src/domain/chat.js";

/** A clock that moves one second per reading, so every write has its own time and orderings are clear. */
export function steppingClock(start = Date.parse("2025-01-01T00:00:00.000Z")) {
  let next = start;
  return () => new Date((next += 1000));
}

export function aChat(overrides: Partial<Chat> = {}): Chat {
  const now = new Date("2025-01-01T00:00:00.000Z");
  return {
    id: randomUUID(),
    userId: "user-a",
    title: "A chat",
    model: "gpt-4o-mini",
    instructions: null,
    instructionsTokens: null,
    titleSource: "first_message",
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** The owner of every builder-made reply: the one process of a repository test. */
export const testOwner = "0190f5b2-7f00-7000-8000-00000000face";
/** A lease that lasts as long as any test: the sweeper leaves such replies alone. */
export const longLease = { owner: testOwner, expiresAt: new Date("2100-01-01T00:00:00.000Z") };

/** A turn on `chat`; creates the chat (with its title and model) unless `createChat` is false. */
export function aTurn(
  chat: Chat,
  { createChat = true, ...overrides }: Partial<NewTurn> & { createChat?: boolean } = {},
): NewTurn {
  return {
    userId: chat.userId,
    chatId: chat.id,
    newChat: createChat
      ? {
          title: chat.title,
          model: chat.model,
          instructions: chat.instructions ?? null,
          instructionsTokens: chat.instructionsTokens,
          titleSource: chat.titleSource,
        }
      : null,
    userMessage: { id: randomUUID(), content: "Hello there", tokenCount: 2 },
    replyId: randomUUID(),
    lease: longLease,
    now: chat.updatedAt,
    historyLimit: 50,
    maxLiveReplies: 0,
    ...overrides,
  };
}

export function anOutcome(overrides: Partial<ReplyOutcome> = {}): ReplyOutcome {
  return {
    owner: testOwner,
    userId: "user-a",
    content: "General Kenobi.",
    tokenCount: 4,
    status: "complete",
    finishReason: "stop",
    usage: { promptTokens: 12, completionTokens: 4, totalTokens: 16, source: "provider", costMicros: 4 },
    error: null,
    now: new Date("2025-01-02T00:00:00.000Z"),
    ...overrides,
  };
}

/** Saves one reply's progress, as the progress writer does in a batch of one; whether it was saved. */
export async function saveOneProgress(
  repository: Pick<ChatRepository, "saveRepliesProgress">,
  replyId: string,
  owner: string,
  content: string,
  now: Date,
  promptTokens: number | null = null,
): Promise<boolean> {
  return (await repository.saveRepliesProgress(owner, [{ replyId, content, promptTokens }], now)).has(
    replyId,
  );
}
