/**
 * Reads a Parley JSON export (see export-json.ts) into import candidates. Each chat is the path from its
 * root to `active_leaf_id` (the last message when absent), following `parent_id`: today a chat is one
 * path; when chats branch, the other branches are what this leaves out. Unknown fields are ignored.
 */
import { importInvalid } from "../../domain/errors.js";
import { pathToLeaf } from "./conversation-path.js";
import { parleyExportVersion } from "./export-json.js";
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
  const byId = new Map<string, { object: JsonObject; path: string }>();
  list.forEach((item, index) => {
    const messagePath = `${path}.messages[${index}]`;
    const object = requireObject(item, messagePath);
    const id = requireString(object, "id", messagePath);
    if (byId.has(id)) throw importInvalid(child(messagePath, "id"), `"${id.slice(0, 64)}" is used twice`);
    byId.set(id, { object, path: messagePath });
  });
  const leafId = optionalString(chat, "active_leaf_id", path) ?? lastId(list);
  const nodes = {
    get: (id: string) => byId.get(id),
    parentOf: (_id: string, node: { object: JsonObject; path: string }) => {
      if (node.object["parent_id"] === undefined)
        throw importInvalid(child(node.path, "parent_id"), "missing");
      return optionalString(node.object, "parent_id", node.path);
    },
    size: byId.size,
    pathOf: (id: string) => byId.get(id)?.path ?? path,
  };
  const messages = leafId === null ? [] : pathToLeaf(nodes, leafId, child(path, "active_leaf_id"));
  return {
    path,
    sourceChatId,
    title: optionalString(chat, "title", path),
    model: optionalString(chat, "model", path),
    createdAt: optionalIsoDate(chat, "created_at", path),
    updatedAt: optionalIsoDate(chat, "updated_at", path),
    messages: messages.map(({ node }) => readMessage(node.object, node.path)),
    skippedMessages: 0,
  };
}

function lastId(list: unknown[]): string | null {
  const last = list.at(-1) as JsonObject | undefined;
  return last ? (last["id"] as string) : null;
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
