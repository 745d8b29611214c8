/**
 * exportChats: one chat or all of a user's chats as a file (JSON or Markdown), produced as a stream of
 * chunks. Chats are read a page at a time by keyset (newest activity first) and each chat's messages a
 * page at a time (JSON: every branch, by seq; Markdown: the path shown, after its ids), so memory holds
 * one page and one chunk whatever the user's history (and, for Markdown, the ids of one path); the next
 * page is read only when the consumer has taken what came before (a caller that leaves stops the reads).
 */
import type { Chat } from "../../domain/chat.js";
import { chatNotFound, invalidArgument } from "../../domain/errors.js";
import { requireId, requireUserId } from "../input-rules.js";
import type { Clock } from "../ports.js";
import { jsonChatEnd, jsonChatStart, jsonFileEnd, jsonFileStart, jsonMessage } from "./export-json.js";
import {
  allChatsLevels,
  markdownChatStart,
  markdownFileStart,
  markdownMessage,
  singleChatLevels,
} from "./export-markdown.js";
import type { ExportedChat, TransferStore } from "./transfer-store.js";

export type ExportFormat = "json" | "markdown";

export interface ExportDeps {
  store: TransferStore;
  clock: Clock;
}

export interface ExportChatsInput {
  userId: string;
  /** One chat; null: all of the user's chats. */
  chatId: string | null;
  format: ExportFormat | null;
}

/** A piece of the file; the first one also says what the file is. */
export interface ExportChunk {
  data: Uint8Array;
  contentType: string | null;
  fileName: string | null;
}

/** The most bytes in one chunk. */
export const maxChunkBytes = 64 * 1024;
/** Chats read per query, and messages read per query. */
export const exportPageSizes = { chats: 50, messages: 100 };

const contentTypes = { json: "application/json", markdown: "text/markdown; charset=utf-8" } as const;
const extensions = { json: "json", markdown: "md" } as const;

/**
 * Checks the request and, for one chat, that the user has it — before the first chunk, so a refusal is
 * an error of the call rather than a broken file — then returns the chunks.
 */
export async function exportChats(
  deps: ExportDeps,
  input: ExportChatsInput,
): Promise<AsyncIterable<ExportChunk>> {
  const userId = requireUserId(input.userId);
  if (input.format === null) throw invalidArgument("format is required: JSON or MARKDOWN");
  const format = input.format;
  let only: ExportedChat | null = null;
  if (input.chatId !== null) {
    const chatId = requireId(input.chatId, "chat_id");
    only = (await deps.store.findChat(userId, chatId)) ?? null;
    if (!only) throw chatNotFound(chatId);
  }
  const now = deps.clock.now();
  const fileName = `${only ? `parley-chat-${slug(only.title)}` : "parley-chats"}-${now.toISOString().slice(0, 10)}.${extensions[format]}`;
  const chats = only ? single(only) : allChats(deps.store, userId);
  const text =
    format === "json"
      ? jsonText(deps.store, chats, now)
      : markdownText(deps.store, chats, now, only === null);
  return chunked(text, contentTypes[format], fileName);
}

async function* single(chat: ExportedChat): AsyncIterable<ExportedChat> {
  yield chat;
}

async function* allChats(store: TransferStore, userId: string): AsyncIterable<ExportedChat> {
  let after: Chat | null = null;
  for (;;) {
    const page = await store.chatsPage(userId, after, exportPageSizes.chats);
    yield* page;
    after = page.at(-1) ?? null;
    if (page.length < exportPageSizes.chats || !after) return;
  }
}

async function* messagesOf(store: TransferStore, chatId: string) {
  let afterSeq = 0;
  for (;;) {
    const page = await store.messagesPage(chatId, afterSeq, exportPageSizes.messages);
    yield* page;
    const last = page.at(-1);
    if (page.length < exportPageSizes.messages || !last) return;
    afterSeq = last.seq;
  }
}

async function* jsonText(
  store: TransferStore,
  chats: AsyncIterable<ExportedChat>,
  now: Date,
): AsyncIterable<string> {
  yield jsonFileStart(now);
  let first = true;
  for await (const chat of chats) {
    yield jsonChatStart(chat, first);
    first = false;
    // Every branch, by seq (a parent always before its children); the newest is what a null choice means.
    let newest: string | null = null;
    for await (const message of messagesOf(store, chat.id)) {
      yield jsonMessage(message, newest === null);
      newest = message.id;
    }
    yield jsonChatEnd(newest === null ? null : (chat.activeLeafId ?? newest));
  }
  yield jsonFileEnd();
}

/**
 * Markdown is for reading: each chat as it shows, the path from its root to its active leaf (the other
 * versions of regenerated and edited messages are in the JSON export). The path's ids are read first
 * (ids only), then its messages a page at a time.
 */
async function* markdownText(
  store: TransferStore,
  chats: AsyncIterable<ExportedChat>,
  now: Date,
  all: boolean,
): AsyncIterable<string> {
  const levels = all ? allChatsLevels : singleChatLevels;
  if (all) yield markdownFileStart(now);
  let first = !all;
  for await (const chat of chats) {
    yield markdownChatStart(chat, levels, first);
    first = false;
    const path = await store.pathIds(chat.id, chat.activeLeafId);
    for (let start = 0; start < path.length; start += exportPageSizes.messages) {
      const page = await store.messagesByIds(chat.id, path.slice(start, start + exportPageSizes.messages));
      for (const message of page) yield markdownMessage(message, levels);
    }
  }
}

const encoder = new TextEncoder();

/**
 * Gathers text into chunks of at most maxChunkBytes (a chunk may end inside a character: the file is
 * the chunks' bytes put together); the first carries the file's type and name.
 */
async function* chunked(
  text: AsyncIterable<string>,
  contentType: string,
  fileName: string,
): AsyncIterable<ExportChunk> {
  let pending: string[] = [];
  let pendingLength = 0;
  let carry = new Uint8Array(0);
  let first = true;
  const chunk = (data: Uint8Array): ExportChunk => {
    const named = first;
    first = false;
    return { data, contentType: named ? contentType : null, fileName: named ? fileName : null };
  };
  function* take(flush: boolean): Generator<ExportChunk> {
    const encoded = encoder.encode(pending.join(""));
    pending = [];
    pendingLength = 0;
    const bytes = carry.length === 0 ? encoded : concat(carry, encoded);
    let start = 0;
    for (; bytes.length - start >= maxChunkBytes; start += maxChunkBytes) {
      yield chunk(bytes.slice(start, start + maxChunkBytes));
    }
    carry = bytes.slice(start);
    if (flush && (carry.length > 0 || first)) {
      yield chunk(carry);
      carry = new Uint8Array(0);
    }
  }
  for await (const piece of text) {
    pending.push(piece);
    pendingLength += piece.length;
    // UTF-16 units never exceed UTF-8 bytes: once the units pass the cap, the bytes have too.
    if (pendingLength + carry.length >= maxChunkBytes) yield* take(false);
  }
  yield* take(true);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** A file-name-safe form of a title: lowercase ASCII letters and digits joined by dashes. */
function slug(title: string): string {
  const words = title
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return words || "chat";
}
