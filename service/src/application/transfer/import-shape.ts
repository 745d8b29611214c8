/**
 * Reading an untrusted JSON document field by field: each reader names the path it reads in the
 * error it throws (`import.invalid`), so a malformed file says where it is malformed.
 */
import type { MessageStatus } from "../../domain/chat.js";
import { importInvalid } from "../../domain/errors.js";
import type { StoredUsage } from "./transfer-store.js";

/** What every import reader yields: a chat ready to validate, count and write. */
export interface ImportCandidate {
  /** Where it is in the file, for errors: `chats[2]`, `conversations[3]`. */
  path: string;
  sourceChatId: string;
  title: string | null;
  model: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  messages: ImportedMessage[];
  /** How `messages` branch; null: they are one path, each following the one before it. */
  tree: ImportTree | null;
  /** Messages of the path left out (system, tool, hidden, non-text, empty). */
  skippedMessages: number;
}

/**
 * A chat's tree, for a source that keeps one (Parley's export). Parents are positions in `messages`,
 * always before the message itself (the reader refuses a file where one is not), so the list is written
 * in order as seq 1, 2, ... and `seq` grows along every path.
 */
export interface ImportTree {
  /** Each message's parent's position; null: a first message (or an edited version of one). */
  parents: (number | null)[];
  /** The position of the leaf of the path the chat shows. */
  activeLeaf: number;
}

export interface ImportedMessage {
  path: string;
  role: "user" | "assistant";
  content: string;
  status: Exclude<MessageStatus, "streaming">;
  finishReason: string | null;
  error: string | null;
  usage: StoredUsage | null;
  costMicros: number | null;
  createdAt: Date | null;
}

export type JsonObject = Record<string, unknown>;

/** A key in a path: plain keys as `.key`, others quoted. */
export function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z0-9_-]+$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw importInvalid(path, `must be an object, not ${kindOf(value)}`);
  return value;
}

export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw importInvalid(path, `must be an array, not ${kindOf(value)}`);
  return value;
}

export function requireString(object: JsonObject, key: string, path: string): string {
  const value = object[key];
  if (value === undefined) throw importInvalid(child(path, key), "missing");
  if (typeof value !== "string")
    throw importInvalid(child(path, key), `must be a string, not ${kindOf(value)}`);
  return value;
}

/** A string that may be missing or null. */
export function optionalString(object: JsonObject, key: string, path: string): string | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string")
    throw importInvalid(child(path, key), `must be a string, not ${kindOf(value)}`);
  return value;
}

/** A whole number ≥ 0 that may be missing or null. */
export function optionalCount(object: JsonObject, key: string, path: string): number | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw importInvalid(child(path, key), "must be a whole number ≥ 0");
  return value;
}

/** An ISO 8601 date-time that may be missing or null. */
export function optionalIsoDate(object: JsonObject, key: string, path: string): Date | null {
  const text = optionalString(object, key, path);
  if (text === null) return null;
  return validDate(new Date(text), child(path, key), text);
}

/** Seconds since 1970 (ChatGPT's `create_time`), fractions allowed, that may be missing or null. */
export function optionalEpochSeconds(object: JsonObject, key: string, path: string): Date | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "number")
    throw importInvalid(child(path, key), `must be a number, not ${kindOf(value)}`);
  return validDate(new Date(Math.round(value * 1000)), child(path, key), String(value));
}

// The range a DATETIME column holds.
const earliest = Date.UTC(1970, 0, 1);
const latest = Date.UTC(9999, 11, 31);

function validDate(date: Date, path: string, text: string): Date {
  const time = date.getTime();
  if (Number.isNaN(time) || time < earliest || time > latest)
    throw importInvalid(path, `"${text.slice(0, 40)}" is not a date between 1970 and 9999`);
  return date;
}

const statuses = new Set(["complete", "stopped", "incomplete", "interrupted", "failed", "streaming"]);

/**
 * A Parley message status. A reply exported while it was still being written (`streaming`) is
 * imported `interrupted`: nothing will finish it.
 */
export function messageStatus(object: JsonObject, path: string): Exclude<MessageStatus, "streaming"> {
  const status = optionalString(object, "status", path) ?? "complete";
  if (!statuses.has(status))
    throw importInvalid(child(path, "status"), `unknown status "${status.slice(0, 40)}"`);
  return status === "streaming" ? "interrupted" : (status as Exclude<MessageStatus, "streaming">);
}

export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
