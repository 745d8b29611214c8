/**
 * Opaque page cursors: base64url text that callers hand back unchanged. A tag per kind keeps a chat
 * cursor from being accepted as a message cursor; anything malformed is `argument.invalid`.
 */
import { invalidArgument } from "../../domain/errors.js";

/** Where a page of chats ended: the last chat's activity time and id (the keyset). */
export interface ChatCursor {
  updatedAt: Date;
  id: string;
}

const chatPattern = /^c1:(\d{1,15}):([^:]{1,36})$/;
const messagePattern = /^m1:(\d{1,10})$/;
const pathPattern = /^p1:([0-9A-Za-z-]{1,36})$/;
// Long enough for any cursor we make; refusing longer ones keeps decoding cheap.
const maxCursorLength = 128;

/** Encodes the keyset of the last chat on a page. */
export function encodeChatCursor(cursor: ChatCursor): string {
  return Buffer.from(`c1:${cursor.updatedAt.getTime()}:${cursor.id}`).toString("base64url");
}

/** Decodes a chat cursor, or throws `argument.invalid`. */
export function decodeChatCursor(cursor: string): ChatCursor {
  const match = chatPattern.exec(decode(cursor));
  if (!match) throw invalidCursor();
  return { updatedAt: new Date(Number(match[1])), id: match[2] ?? "" };
}

/** Encodes the seq of the oldest message on a page: the next page holds the ones before it. */
export function encodeMessageCursor(seq: number): string {
  return Buffer.from(`m1:${seq}`).toString("base64url");
}

/** Decodes a message cursor to the seq the next page ends before, or throws `argument.invalid`. */
export function decodeMessageCursor(cursor: string): number {
  const match = messagePattern.exec(decode(cursor));
  if (!match) throw invalidCursor();
  return Number(match[1]);
}

/** Encodes where the next page of a path goes on: the id of its next older message. */
export function encodePathCursor(messageId: string): string {
  return Buffer.from(`p1:${messageId}`).toString("base64url");
}

/** Decodes a path cursor to the message id the next page starts from, or throws `argument.invalid`. */
export function decodePathCursor(cursor: string): string {
  const match = pathPattern.exec(decode(cursor));
  if (!match) throw invalidCursor();
  return match[1] ?? "";
}

function decode(cursor: string): string {
  // Node's base64url decoder skips characters outside the alphabet; reject them rather than guess.
  if (cursor.length === 0 || cursor.length > maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor();
  }
  return Buffer.from(cursor, "base64url").toString("utf8");
}

const invalidCursor = () => invalidArgument("the page cursor is not valid; start again from the first page");
