/**
 * The port for stored conversations. Adapters: MySQL (Drizzle) in production, an in-memory one in tests;
 * one contract suite runs against both.
 */
import type { Chat, Message, PathMessage, Reply, TerminalStatus, TitleSource } from "../../domain/chat.js";
import type { MeteredUsage } from "../../domain/usage.js";
import type { Lease, LeasedStore } from "../ports.js";
import type { TurnRequest } from "./send-requests.js";

/** A page of results and the cursor for the next page, if any. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A page of a chat's path, and the leaf it ends at (null: the chat has no messages). */
export interface PathPage extends Page<PathMessage> {
  leafId: string | null;
}

/**
 * Where a turn goes in the chat's tree. The prompt's history is the path its user message continues.
 * - continue: a new user message after the chat's active leaf (SendMessage);
 * - branch: a new user message under `parentId` (null: a new first message), beside the others there
 *   (EditMessage);
 * - answer: no new user message: a new reply to this stored one, beside its other replies
 *   (RegenerateReply). `userMessage` of the turn must then be this message's id, content and count.
 * Every turn makes its new reply the chat's active leaf.
 */
export type TurnPlace =
  | { kind: "continue" }
  | { kind: "branch"; parentId: string | null }
  | { kind: "answer"; userMessage: Message };

export interface NewTurn {
  userId: string;
  chatId: string;
  /** Where the turn goes; absent: `continue`. */
  place?: TurnPlace | undefined;
  /**
   * For a first message: the chat is created in the same transaction, with this title and model (and
   * its own instructions, when given: see TurnChat).
   */
  newChat: ({ title: string; model: string } & Partial<TurnChat>) | null;
  userMessage: { id: string; content: string; tokenCount: number };
  /** The encoding of the turn's token counts (the user message's now, the reply's at its end). */
  tokenEncoding?: string;
  replyId: string;
  /** Who generates the reply, and until when, unless renewed (see `renewLeases`). */
  lease: Lease;
  now: Date;
  /** How many of the chat's newest messages to read back in the same transaction (the prompt's history). */
  historyLimit: number;
  /**
   * The user's concurrency limit: with this many of their replies `streaming` (any chat, any replica)
   * the turn is refused with `limit.concurrent_replies` and nothing is written. 0 = no limit.
   */
  maxLiveReplies: number;
  /**
   * Called inside the transaction with the chat's settings, before anything is written: throwing
   * refuses the turn and nothing is stored (e.g. the message cannot fit beside the chat's instructions).
   */
  admit?: ((chat: TurnChat) => void) | undefined;
  /**
   * Called inside the transaction once every check that can refuse the turn has passed (the chat is
   * found and idle, the limits and `admit` hold, a new version has room), before its rows are written,
   * with what the prompt needs: the model request can start while the turn commits. Not awaited, and
   * it must not throw; the turn can still fail after it (a lost race, the commit), which the caller
   * learns from startTurn's own failure.
   */
  onChecked?: ((turn: CheckedTurn) => void) | undefined;
  /**
   * The client's request id, stored with the turn in its transaction, first (see send-requests.ts):
   * when another attempt stored it already the turn throws DuplicateSendRequest and nothing is written.
   */
  request?: TurnRequest | null | undefined;
  /** The model the chat changes to with this turn (as SetChatModel does), in the same transaction. */
  chatModel?: string | undefined;
  /**
   * The user's message counted for the chat's model, called in the transaction once the chat is read
   * (its model decides the encoding); absent: `userMessage.tokenCount` in `tokenEncoding`.
   */
  countFor?: ((chat: TurnChat) => { tokenCount: number; tokenEncoding: string }) | undefined;
}

/** What a turn needs to know of its chat, read in the turn's transaction (no extra round trip). */
export interface TurnChat {
  /** The chat's own system prompt: null = the service's default, "" = none. */
  instructions: string | null;
  /** Their stored token count (null with the default). */
  instructionsTokens: number | null;
  titleSource: TitleSource | null;
  /** The chat's model id (after `chatModel`, when the turn changes it). */
  model: string;
  /** Its title and creation time: with the turn's time as its activity, the chat's summary. */
  title: string;
  createdAt: Date;
}

/** What a turn read once its checks passed: the prompt's part of StartedTurn. */
export type CheckedTurn = Pick<StartedTurn, "chat" | "history" | "historyFrom">;

export interface StartedTurn {
  /** The chat's settings as the turn read them. */
  chat: TurnChat;
  userMessage: Message;
  reply: Message;
  /**
   * The path before the user message, newest first (its parent first): at most `historyLimit`, read
   * inside the turn's transaction after the chat was locked (empty for a new chat or a first message).
   * Fewer when the path ends, or when the newest messages of the chat do not hold all of it (another
   * branch was written since): then `historyFrom` names where the rest goes on.
   */
  history: Message[];
  /** The id of the next older message of the path, not in `history`; null when `history` holds its start. */
  historyFrom: string | null;
}

/** A live reply's text so far, to save as its progress, and what its prompt cost. */
export interface ProgressSave {
  replyId: string;
  content: string;
  /**
   * The fitted prompt's tokens (null: not known), stored so that a sweeper ending the reply after its
   * owner died can still estimate what was sent.
   */
  promptTokens: number | null;
}

export interface ReplyOutcome {
  /** The fence: only the reply's owner ends it; another's write changes nothing. */
  owner: string;
  /** Whose reply it is: the user whose daily usage it adds to. */
  userId: string;
  content: string;
  tokenCount: number;
  status: TerminalStatus;
  finishReason: string | null;
  /** What the reply cost (every reply stores one: the provider's figure or our estimate). */
  usage: MeteredUsage;
  error: string | null;
  /** When it ended; its usage counts on this UTC day. */
  now: Date;
}

/**
 * Conversations, stored. Every read and write that starts from a caller's ids is scoped by `userId`:
 * another user's chat is indistinguishable from a missing one (undefined / false).
 * Failures of the store itself throw DomainError("storage.unavailable").
 */
export interface ChatRepository extends LeasedStore {
  findChat(userId: string, chatId: string): Promise<Chat | undefined>;
  /** Newest activity first. The cursor is opaque to callers. */
  listChats(userId: string, limit: number, cursor: string | null): Promise<Page<Chat>>;
  /** Messages in conversation order; the first page is the latest, the cursor leads to older ones. */
  listMessages(chatId: string, limit: number, cursor: string | null): Promise<Page<Message>>;
  /**
   * A page of the path to `leafId` (null: the chat's active leaf: its stored choice, else its newest
   * message), in conversation order, each message with its siblings. The first page ends at the leaf; the
   * cursor leads to older messages. Undefined when `leafId` is not a message of this chat. The caller
   * checks the chat is the user's first.
   */
  listPath(
    chatId: string,
    leafId: string | null,
    limit: number,
    cursor: string | null,
  ): Promise<PathPage | undefined>;
  /**
   * The path from `fromId` (included) towards its root, newest first, in pages of `pageSize` (one query
   * each, the next only when the consumer has taken the whole page): the cost follows what is read.
   */
  pathNewestFirst(chatId: string, fromId: string, pageSize: number): AsyncIterable<Message>;
  /** A message of the user's chat; undefined when the chat is not theirs or has no such message. */
  findMessage(userId: string, chatId: string, messageId: string): Promise<Message | undefined>;
  /**
   * Makes the newest message under `messageId` (the newest child at every step; the message itself when
   * it has none) the chat's active leaf, and returns it. Undefined when the chat is not the user's or has
   * no such message. The chat's activity time does not change (switching is not a new message).
   */
  setActiveBranch(userId: string, chatId: string, messageId: string): Promise<{ leafId: string } | undefined>;
  /** Sets a title the user chose (`title_source` = user: never replaced by a generated one). */
  renameChat(userId: string, chatId: string, title: string, now: Date): Promise<Chat | undefined>;
  /** Sets the model the chat talks to from its next turn; undefined when there is no such chat. */
  setChatModel(userId: string, chatId: string, model: string, now: Date): Promise<Chat | undefined>;
  /** Sets the chat's own instructions, with their tokens; null: back to the service's default. */
  setChatInstructions(
    userId: string,
    chatId: string,
    instructions: { text: string; tokens: number } | null,
    now: Date,
  ): Promise<Chat | undefined>;
  /** Deletes the chat and all its messages; false when there was no such chat for this user. */
  deleteChat(userId: string, chatId: string): Promise<boolean>;

  /**
   * Appends the user's message and an empty `streaming` reply in one transaction (creating the chat
   * first when asked; only the reply for an `answer` turn) where `place` says, makes the reply the chat's
   * active leaf, and reads the path's newest history back. Throws `chat.not_found` when the chat is not
   * this user's, `message.not_found` when a `branch` parent is not a message of the chat, and
   * `reply.in_progress` when it already has a `streaming` reply, so one chat never generates two answers
   * at once, even across replicas.
   */
  startTurn(turn: NewTurn): Promise<StartedTurn>;
  /**
   * The chat's messages before `beforeSeq` in the order they were written (every branch), newest first,
   * in pages of `pageSize`. Callers stop reading
   * when they have enough, so the cost follows the window, not the chat's length.
   */
  messagesNewestFirst(chatId: string, beforeSeq: number, pageSize: number): AsyncIterable<Message>;
  /**
   * Saves the text generated so far of live replies of `owner` (bounded-interval progress while
   * streaming), with their prompts' token counts, several in one write. Each is fenced like
   * finishReply: a reply no longer `streaming` under this owner (its lease ran out and a sweeper ended
   * it) is left unchanged. Resolves with the ids of those still live under this owner: the others were
   * not saved (one that ended after the save may be left out too, which only its own ending job hears
   * of).
   */
  saveRepliesProgress(owner: string, saves: readonly ProgressSave[], now: Date): Promise<ReadonlySet<string>>;
  /**
   * Ends a reply in its terminal status and adds its usage to the user's daily usage, atomically. Only a
   * `streaming` reply of `outcome.owner` changes; returns whether it did (false: it was ended already,
   * e.g. by a sweeper after the lease ran out — then its usage was counted there, and nothing is added).
   */
  finishReply(replyId: string, outcome: ReplyOutcome): Promise<boolean>;
  findReply(userId: string, replyId: string): Promise<Reply | undefined>;
  /** The chat's `streaming` reply, when the chat is `userId`'s and has one. */
  findLiveReply(userId: string, chatId: string): Promise<Reply | undefined>;
}
