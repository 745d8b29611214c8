/**
 * Reads a Parley JSON export (see export-json.ts and docs/export-format.md) into import candidates. Each
 * chat keeps its whole tree: every message with its parent (`parent_id`: a message before it in the same
 * chat's list; null: a first message; absent: the message before it, so a file written before chats
 * branched imports as one path, as it did) and the path shown (`active_leaf_id`, down to its newest leaf;
 * absent: the last message). Unknown fields are ignored.
 */
import { importInvalid } from "../../domain/errors.js";
import { parleyExportVersion } from "./export-json.js";
import { newestLeafUnder } from "./import-tree.js";
import {
  child,
  messageStatus,
  optionalCount,
  optionalIsoDate,
  optionalString,
  requireArray,
  requireObject,
  requireString,
  type ImportCandidate,
  type ImportedMessage,
  type ImportTree,
  type JsonObject,
} from "./import-shape.js";

export function readParleyExport(file: JsonObject): ImportCandidate[] {
  const version = file["version"];
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1)
    throw importInvalid("version", "must be a whole number ≥ 1");
  if (version > parleyExportVersion)
    throw importInvalid("version", `${version} is newer than this service reads (${parleyExportVersion})`);
  return requireArray(file["chats"], "chats").map((chat, index) => readChat(chat, `chats[${index}]`));
}

function readChat(value: unknown, path: string): ImportCandidate {
  const chat = requireObject(value, path);
  const sourceChatId = requireString(chat, "id", path);
  const list = requireArray(chat["messages"], child(path, "messages"));
  // Ids seen so far: a parent must be one of them (earlier in this chat's list), which also rules out
  // cycles and links into another chat.
  const positions = new Map<string, number>();
  const parents: (number | null)[] = [];
  const messages = list.map((item, index) => {
    const messagePath = `${path}.messages[${index}]`;
    const object = requireObject(item, messagePath);
    const id = requireString(object, "id", messagePath);
    if (positions.has(id))
      throw importInvalid(child(messagePath, "id"), `"${id.slice(0, 64)}" is used twice`);
    parents.push(parentPosition(object, messagePath, index, positions));
    positions.set(id, index);
    return readMessage(object, messagePath);
  });
  return {
    path,
    sourceChatId,
    title: optionalString(chat, "title", path),
    model: optionalString(chat, "model", path),
    createdAt: optionalIsoDate(chat, "created_at", path),
    updatedAt: optionalIsoDate(chat, "updated_at", path),
    messages,
    tree: treeOf(chat, path, positions, parents),
    skippedMessages: 0,
  };
}

/** The position of a message's parent: see the module comment. */
function parentPosition(
  message: JsonObject,
  path: string,
  index: number,
  earlier: ReadonlyMap<string, number>,
): number | null {
  if (message["parent_id"] === undefined) return index === 0 ? null : index - 1;
  const parentId = optionalString(message, "parent_id", path);
  if (parentId === null) return null;
  const position = earlier.get(parentId);
  if (position === undefined)
    throw importInvalid(
      child(path, "parent_id"),
      `"${parentId.slice(0, 64)}" is not a message before this one in the chat: a parent must come earlier in the same chat's messages`,
    );
  return position;
}

/** The chat's tree and the leaf it shows; null for a chat with no messages. */
function treeOf(
  chat: JsonObject,
  path: string,
  positions: ReadonlyMap<string, number>,
  parents: (number | null)[],
): ImportTree | null {
  const leafId = optionalString(chat, "active_leaf_id", path);
  const named = leafId === null ? parents.length - 1 : positions.get(leafId);
  if (named === undefined)
    throw importInvalid(
      child(path, "active_leaf_id"),
      `"${(leafId ?? "").slice(0, 64)}" is not a message of this chat`,
    );
  if (parents.length === 0) return null;
  return { parents, activeLeaf: newestLeafUnder(parents, named) };
}

function readMessage(message: JsonObject, path: string): ImportedMessage {
  const role = requireString(message, "role", path);
  if (role !== "user" && role !== "assistant")
    throw importInvalid(child(path, "role"), `unknown role "${role.slice(0, 40)}" (user or assistant)`);
  return {
    path,
    role,
    content: requireString(message, "content", path),
    status: role === "user" ? "complete" : messageStatus(message, path),
    finishReason: optionalString(message, "finish_reason", path),
    error: optionalString(message, "error", path),
    ...usageOf(message, path),
    createdAt: optionalIsoDate(message, "created_at", path),
  };
}

function usageOf(message: JsonObject, path: string): Pick<ImportedMessage, "usage" | "costMicros"> {
  const costMicros = optionalCount(message, "cost_micros", path);
  const value = message["usage"];
  if (value === undefined || value === null) return { usage: null, costMicros };
  const usagePath = child(path, "usage");
  const usage = requireObject(value, usagePath);
  const count = (key: string) => {
    const n = optionalCount(usage, key, usagePath);
    if (n === null) throw importInvalid(child(usagePath, key), "missing");
    return n;
  };
  const source = optionalString(usage, "source", usagePath);
  if (source !== null && source !== "provider" && source !== "estimate")
    throw importInvalid(
      child(usagePath, "source"),
      `unknown source "${source.slice(0, 40)}" (provider or estimate)`,
    );
  return {
    usage: {
      promptTokens: count("prompt_tokens"),
      completionTokens: count("completion_tokens"),
      totalTokens: count("total_tokens"),
      source,
    },
    costMicros,
  };
}
