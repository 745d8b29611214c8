/**
 * importChats: a Parley JSON export or ChatGPT's conversations.json into the caller's account. The file
 * is bounded, read and checked whole (shape, counts, roles, message lengths by the rules of
 * SendMessage) before anything is written; then new ids are minted, tokens counted with the service's
 * tokenizer, and every chat is written in one transaction, recorded by its source id so a second
 * import of the same file adds nothing. Imported replies are history: no usage is counted for them.
 */
import { maxTitleLength, titleFrom } from "../../domain/chat.js";
import { DomainError, importBusy, importInvalid } from "../../domain/errors.js";
import { requireMessageText, requireUserId } from "../input-rules.js";
import type { Clock, IdGenerator, TokenCounter } from "../ports.js";
import type { ImportCandidate, ImportedMessage } from "./import-shape.js";
import { importBusyRetryMs, replyBytesFactor, type ImportGate, type ImportLimits } from "./import-limits.js";
import { placeInTree } from "./import-tree.js";
import { collectFile, readImportFile, type SourceFormat } from "./read-import-file.js";
import type { ImportSource, NewChat, NewMessage, TransferStore } from "./transfer-store.js";

export interface ImportDeps {
  store: TransferStore;
  tokenCounter: TokenCounter;
  clock: Clock;
  newId: IdGenerator;
  limits: ImportLimits;
  gate: ImportGate;
  /** The model of imported chats that do not name one (ChatGPT's). */
  defaultModel: string;
  /** MAX_MESSAGE_BYTES: the cap on a user message, as for SendMessage. */
  maxMessageBytes: number;
}

export interface ImportChatsInput {
  userId: string;
  /** The file, in chunks. */
  file: AsyncIterable<Uint8Array>;
}

export type ImportOutcome = "imported" | "already_imported" | "skipped_empty";

export interface ImportedChatReport {
  sourceChatId: string;
  title: string;
  outcome: ImportOutcome;
  /** The chat in Parley; null when skipped. */
  chatId: string | null;
  messageCount: number;
  skippedMessages: number;
}

export interface ImportReport {
  sourceFormat: SourceFormat;
  chats: ImportedChatReport[];
  importedChats: number;
  importedMessages: number;
}

/** The longest source chat id kept for idempotency (the column's width). */
export const maxSourceIdLength = 191;
/** The longest model name (the column's width). */
const maxModelLength = 100;

export async function importChats(deps: ImportDeps, input: ImportChatsInput): Promise<ImportReport> {
  const userId = requireUserId(input.userId);
  const release = deps.gate.tryEnter();
  if (!release) throw importBusy(importBusyRetryMs);
  try {
    const { format, chats: candidates } = readImportFile(await collectFile(input.file, deps.limits.maxBytes));
    checkCounts(candidates, deps.limits, format);
    const planned = await plan(deps, candidates);
    const toWrite = planned.flatMap((entry) => (entry.chat ? [entry.chat] : []));
    const source: ImportSource = format === "chatgpt" ? "chatgpt" : "parley";
    const stored =
      toWrite.length === 0 ? [] : await deps.store.importChats(userId, source, toWrite, deps.clock.now());
    const outcomes = new Map(toWrite.map((chat, index) => [chat.sourceChatId, stored[index]!]));
    const reports = planned.map(({ candidate, chat, title }): ImportedChatReport => {
      const result = chat && outcomes.get(chat.sourceChatId);
      return {
        sourceChatId: candidate.sourceChatId,
        title,
        outcome: result ? result.outcome : "skipped_empty",
        chatId: result ? result.chatId : null,
        messageCount: result?.outcome === "imported" && chat ? chat.messages.length : 0,
        skippedMessages: candidate.skippedMessages,
      };
    });
    const imported = reports.filter((report) => report.outcome === "imported");
    return {
      sourceFormat: format,
      chats: reports,
      importedChats: imported.length,
      importedMessages: imported.reduce((sum, report) => sum + report.messageCount, 0),
    };
  } finally {
    release();
  }
}

function checkCounts(candidates: ImportCandidate[], limits: ImportLimits, format: SourceFormat): void {
  const list = format === "chatgpt" ? "conversations" : "chats";
  if (candidates.length > limits.maxChats)
    throw importInvalid(
      list,
      `the file holds ${candidates.length} chats; at most ${limits.maxChats} per import`,
    );
  const messages = candidates.reduce((sum, chat) => sum + chat.messages.length, 0);
  if (messages > limits.maxMessages)
    throw importInvalid(
      list,
      `the file holds ${messages} messages; at most ${limits.maxMessages} per import`,
    );
  const seen = new Map<string, string>();
  for (const chat of candidates) {
    if (chat.sourceChatId.length === 0 || chat.sourceChatId.length > maxSourceIdLength)
      throw importInvalid(`${chat.path}.id`, `must be 1 to ${maxSourceIdLength} characters`);
    const earlier = seen.get(chat.sourceChatId);
    if (earlier)
      throw importInvalid(chat.path, `the same chat as ${earlier} (id "${chat.sourceChatId.slice(0, 64)}")`);
    seen.set(chat.sourceChatId, chat.path);
    if (chat.model !== null && chat.model.length > maxModelLength)
      throw importInvalid(`${chat.path}.model`, `longer than ${maxModelLength} characters`);
  }
}

interface Planned {
  candidate: ImportCandidate;
  title: string;
  /** null: nothing to import. */
  chat: NewChat | null;
}

async function plan(deps: ImportDeps, candidates: ImportCandidate[]): Promise<Planned[]> {
  const now = deps.clock.now();
  const planned: Planned[] = [];
  let counted = 0;
  for (const candidate of candidates) {
    const title = titleOf(candidate);
    if (candidate.messages.length === 0) {
      planned.push({ candidate, title, chat: null });
      continue;
    }
    const createdAt = candidate.createdAt ?? candidate.messages[0]!.createdAt ?? now;
    const ids = candidate.messages.map(() => deps.newId());
    const placed = placeInTree(candidate.tree, ids);
    const messages: NewMessage[] = [];
    for (const [index, message] of candidate.messages.entries()) {
      const place = { id: ids[index]!, parentId: placed.parentIds[index]!, depth: placed.depths[index]! };
      messages.push(newMessage(deps, message, place, createdAt));
      // Counting is synchronous: let other requests in between batches of a large file.
      if (++counted % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const updatedAt = candidate.updatedAt ?? messages.at(-1)!.createdAt;
    const model = candidate.model?.trim() || deps.defaultModel;
    planned.push({
      candidate,
      title,
      chat: {
        id: deps.newId(),
        sourceChatId: candidate.sourceChatId,
        title,
        model,
        createdAt,
        updatedAt,
        messages,
        activeLeafId: placed.activeLeafId,
      },
    });
  }
  return planned;
}

function newMessage(
  deps: ImportDeps,
  message: ImportedMessage,
  place: Pick<NewMessage, "id" | "parentId" | "depth">,
  chatCreatedAt: Date,
): NewMessage {
  const content = checkedContent(message, deps.maxMessageBytes);
  return {
    ...place,
    role: message.role,
    content,
    tokenCount: content.length === 0 ? 0 : deps.tokenCounter.count(content),
    status: message.status,
    finishReason: message.finishReason?.slice(0, 32) ?? null,
    error: message.error?.slice(0, 500) ?? null,
    usage: message.usage,
    costMicros: message.costMicros,
    createdAt: message.createdAt ?? chatCreatedAt,
  };
}

/** User messages follow SendMessage's rules; replies may be longer, and empty (a failed reply). */
function checkedContent(message: ImportedMessage, maxMessageBytes: number): string {
  const maxBytes = message.role === "user" ? maxMessageBytes : maxMessageBytes * replyBytesFactor;
  if (message.role === "assistant" && message.content.trim().length === 0) return "";
  try {
    return requireMessageText(message.content, maxBytes);
  } catch (error) {
    if (error instanceof DomainError)
      throw new DomainError(error.code, `${message.path}.content: ${error.message}`, {
        ...error.details,
        path: `${message.path}.content`,
      });
    throw error;
  }
}

/** The file's title, trimmed and cut to fit; without one, the first user message's first line. */
function titleOf(candidate: ImportCandidate): string {
  const given = candidate.title?.replace(/\s+/g, " ").trim() ?? "";
  if (given.length > 0) {
    const characters = [...given];
    return characters.length <= maxTitleLength
      ? given
      : `${characters.slice(0, maxTitleLength - 1).join("")}…`;
  }
  const firstUser = candidate.messages.find((message) => message.role === "user");
  return firstUser ? titleFrom(firstUser.content) : "Imported chat";
}
