/** Checks on what callers send, before anything is read, counted or written. */
import { maxTitleLength } from "../domain/chat.js";
import { DomainError, invalidArgument } from "../domain/errors.js";
import { isId, maxUserIdLength } from "../domain/ids.js";

const encoder = new TextEncoder();

export function requireUserId(userId: string): string {
  if (userId.trim().length === 0) throw invalidArgument("user_id is required");
  // Databases ignore trailing spaces in comparisons: "alice " must not reach alice's chats.
  if (userId !== userId.trim()) throw invalidArgument("user_id must not start or end with whitespace");
  if (userId.length > maxUserIdLength)
    throw invalidArgument(`user_id is longer than ${maxUserIdLength} characters`);
  return userId;
}

export function requireId(value: string, field: string): string {
  if (value.length === 0) throw invalidArgument(`${field} is required`);
  if (!isId(value))
    throw invalidArgument(`${field} "${value.slice(0, 64)}" is not a valid id (a UUID is expected)`);
  return value;
}

/** The longest client request id (SendMessage's `request_id`). */
export const maxRequestIdLength = 64;

/**
 * An optional client request id: empty or absent means none; otherwise 1–64 printable ASCII characters
 * (a UUID fits), so it can be stored, compared and shown as it is.
 */
export function optionalRequestId(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  if (value.length > maxRequestIdLength)
    throw invalidArgument(`request_id is longer than ${maxRequestIdLength} characters`);
  if (!/^[\x21-\x7e]+$/.test(value))
    throw invalidArgument("request_id must be printable ASCII characters without spaces");
  return value;
}

/**
 * A message must have visible text and fit the byte cap. The cap is checked on bytes before any
 * tokenizing: tokenizers are quadratic on long runs without whitespace.
 */
export function requireMessageText(text: string, maxBytes: number): string {
  if (text.trim().length === 0) throw new DomainError("message.empty", "the message is empty");
  // Cheap bound first: UTF-8 never takes fewer bytes than UTF-16 units, nor more than 3 per unit.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && encoder.encode(text).length > maxBytes)) {
    throw new DomainError(
      "message.too_long",
      `the message is longer than ${maxBytes} bytes (UTF-8); shorten it`,
      {
        maxBytes,
      },
    );
  }
  return text;
}

export function requireTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed.length === 0) throw invalidArgument("title must not be blank");
  if ([...trimmed].length > maxTitleLength)
    throw invalidArgument(`title is longer than ${maxTitleLength} characters`);
  return trimmed;
}

/** A page size: 0 means the default; anything above the maximum is clamped to it. */
export function pageSize(requested: number, defaultSize: number, maxSize: number): number {
  if (requested <= 0) return defaultSize;
  return Math.min(requested, maxSize);
}
