/**
 * How a reply lives in Redis: one Stream per reply, whose entry ids say where their text starts, and a
 * live channel that carries the same entries as they are written.
 *
 * - Key `${prefix}reply:${replyId}`. A text entry appended at code-point offset `o` has id `${o}-0`, with
 *   one exception: Redis refuses the id `0-0`, so text at offset 0 has id `0-1`. The terminal entry of a
 *   reply of length `L` has id `${L}-1`: after every text entry (the last one starts before `L`), and valid
 *   even for `L = 0` (an empty reply has no text entry, so `0-1` is never used twice in one stream).
 * - A text entry has one field `t` (its text); the terminal entry one field `end` (the finished event as
 *   JSON, without its `type`).
 * - The entry covering offset `X` is `XREVRANGE key ${X}-1 - COUNT 1`; what follows it `XRANGE key (id +`.
 * - Channel `${prefix}live:${replyId}` carries each written entry as JSON `[id, fields, sentAt]`: the
 *   shape XRANGE returns, so both paths decode alike, and the owner's wall-clock time (ms) when it sent the
 *   entry, from which a follower on another replica measures how late live text reaches it.
 */
import type { ReplyFinishedEvent } from "../../application/replies/reply-events.js";
import { codePointLength } from "../../application/replies/text-offsets.js";

/** A decoded stream entry: text at a code-point offset, or the reply's end. */
export type StreamEntry =
  | { kind: "text"; id: string; offset: number; text: string; end: number }
  | { kind: "end"; id: string; offset: number; finished: ReplyFinishedEvent };

/** Key and channel names under one prefix. */
export interface ReplyKeys {
  stream(replyId: string): string;
  live(replyId: string): string;
  owner(owner: string): string;
}

export function replyKeys(prefix: string): ReplyKeys {
  return {
    stream: (replyId) => `${prefix}reply:${replyId}`,
    live: (replyId) => `${prefix}live:${replyId}`,
    owner: (owner) => `${prefix}owner:${owner}`,
  };
}

export const textEntryId = (offset: number) => (offset === 0 ? "0-1" : `${offset}-0`);
export const terminalEntryId = (length: number) => `${length}-1`;
/** The largest id an entry covering `offset` can have (for XREVRANGE). */
export const coveringBound = (offset: number) => `${offset}-1`;

export const textFields = (text: string): string[] => ["t", text];

export function terminalFields(finished: ReplyFinishedEvent): string[] {
  const { type: _type, ...rest } = finished;
  return ["end", JSON.stringify(rest)];
}

/** The live message for an entry just written, sent at `sentAt` (wall-clock ms). */
export const liveMessage = (id: string, fields: string[], sentAt: number) =>
  JSON.stringify([id, fields, sentAt]);

/** A decoded live message: its entry, and when the owner sent it (null when it did not say). */
export interface LiveMessage {
  entry: StreamEntry;
  sentAt: number | null;
}

/** Decodes an entry as XRANGE returns it; null for anything this format never writes. */
export function decodeEntry(raw: unknown): StreamEntry | null {
  if (!Array.isArray(raw) || raw.length !== 2) return null;
  const [id, fields] = raw as [unknown, unknown];
  if (typeof id !== "string" || !Array.isArray(fields) || fields.length !== 2) return null;
  const offset = Number(id.slice(0, id.indexOf("-")));
  const [name, value] = fields as [unknown, unknown];
  if (!Number.isSafeInteger(offset) || offset < 0 || typeof value !== "string") return null;
  if (name === "t") return { kind: "text", id, offset, text: value, end: offset + codePointLength(value) };
  if (name !== "end") return null;
  const finished = decodeFinished(value);
  return finished ? { kind: "end", id, offset, finished } : null;
}

/** Decodes a live message; null for junk. */
export function decodeLiveMessage(message: string): LiveMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return null;
  }
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3) return null;
  const entry = decodeEntry(raw.slice(0, 2));
  const sentAt: unknown = raw[2];
  return entry && { entry, sentAt: typeof sentAt === "number" && Number.isFinite(sentAt) ? sentAt : null };
}

const statuses = new Set(["complete", "stopped", "incomplete", "interrupted", "failed"]);

function decodeFinished(json: string): ReplyFinishedEvent | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { status, length } = value;
  if (typeof status !== "string" || !statuses.has(status)) return null;
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) return null;
  // Written by this adapter from a typed event: the remaining fields are taken as they are.
  return { ...(value as unknown as Omit<ReplyFinishedEvent, "type">), type: "finished" };
}
