/**
 * Reads ChatGPT's `conversations.json` (Settings → Data controls → Export) into import candidates.
 *
 * Each conversation has `title`, `create_time`, `update_time` (seconds since 1970), `mapping` (node id →
 * `{id, message, parent, children}`) and `current_node`, the leaf the user last saw. The path from the
 * root to `current_node` is imported; other branches (earlier edits and regenerations) are left out.
 * Skipped on the path, and counted: messages by `system` or `tool`, messages hidden from the
 * conversation (`metadata.is_visually_hidden_from_conversation`), messages addressed to a tool
 * (`recipient` other than `all`), content other than `text` / `multimodal_text` (code, execution output,
 * browsing, reasoning), non-text parts (images, files, audio), and messages with no text left. Nodes
 * without a message (the root) are not messages and are not counted.
 */
import { createHash } from "node:crypto";
import { importInvalid } from "../../domain/errors.js";
import { pathToLeaf } from "./conversation-path.js";
import {
  child,
  isObject,
  optionalEpochSeconds,
  optionalString,
  requireArray,
  requireObject,
  requireString,
  type ImportCandidate,
  type ImportedMessage,
  type JsonObject,
} from "./import-shape.js";

const importedRoles = new Set(["user", "assistant"]);
const skippedRoles = new Set(["system", "tool"]);
const textContent = new Set(["text", "multimodal_text"]);

export function readChatGptExport(file: unknown[]): ImportCandidate[] {
  return file.map((conversation, index) => readConversation(conversation, `conversations[${index}]`));
}

function readConversation(value: unknown, path: string): ImportCandidate {
  const conversation = requireObject(value, path);
  const mappingPath = child(path, "mapping");
  const mapping = requireObject(conversation["mapping"], mappingPath);
  const leafId = requireString(conversation, "current_node", path);
  const nodes = {
    get: (id: string) => (Object.hasOwn(mapping, id) ? mapping[id] : undefined),
    parentOf: (id: string, node: unknown) => {
      const object = requireObject(node, child(mappingPath, id));
      if (!Object.hasOwn(object, "parent")) throw importInvalid(child(mappingPath, id), "missing parent");
      return optionalString(object, "parent", child(mappingPath, id));
    },
    size: Object.keys(mapping).length,
    pathOf: (id: string) => child(mappingPath, id),
  };
  const path_ = pathToLeaf(nodes, leafId, child(path, "current_node"));
  const createdAt = optionalEpochSeconds(conversation, "create_time", path);
  const messages: ImportedMessage[] = [];
  let skippedMessages = 0;
  for (const { id, node } of path_) {
    const nodePath = child(mappingPath, id);
    const message = (node as JsonObject)["message"];
    if (message === undefined || message === null) continue;
    const read = readMessage(requireObject(message, child(nodePath, "message")), child(nodePath, "message"));
    if (read === null) skippedMessages += 1;
    else messages.push(read);
  }
  return {
    path,
    sourceChatId: sourceId(conversation, path, value),
    title: optionalString(conversation, "title", path),
    model: null,
    createdAt,
    updatedAt: optionalEpochSeconds(conversation, "update_time", path),
    messages,
    tree: null, // the path to `current_node` only
    skippedMessages,
  };
}

/** The message's text, or null when it is to be skipped. */
function readMessage(message: JsonObject, path: string): ImportedMessage | null {
  const authorPath = child(path, "author");
  const role = requireString(requireObject(message["author"], authorPath), "role", authorPath);
  if (skippedRoles.has(role)) return null;
  if (!importedRoles.has(role))
    throw importInvalid(
      child(authorPath, "role"),
      `unknown role "${role.slice(0, 40)}" (user, assistant, system or tool)`,
    );
  const metadata = message["metadata"];
  if (isObject(metadata) && metadata["is_visually_hidden_from_conversation"] === true) return null;
  const recipient = message["recipient"];
  if (typeof recipient === "string" && recipient !== "all") return null;
  const contentPath = child(path, "content");
  const content = requireObject(message["content"], contentPath);
  const contentType = requireString(content, "content_type", contentPath);
  if (!textContent.has(contentType)) return null;
  const parts = requireArray(content["parts"], child(contentPath, "parts"));
  const text = parts.filter((part): part is string => typeof part === "string").join("\n\n");
  if (text.trim().length === 0) return null;
  return {
    path,
    role: role as "user" | "assistant",
    content: text,
    status: "complete",
    finishReason: finishReason(metadata),
    error: null,
    usage: null,
    costMicros: null,
    createdAt: optionalEpochSeconds(message, "create_time", path),
  };
}

/** `metadata.finish_details.type` (`stop`, `max_tokens`, `interrupted`), when given. */
function finishReason(metadata: unknown): string | null {
  if (!isObject(metadata) || !isObject(metadata["finish_details"])) return null;
  const type = metadata["finish_details"]["type"];
  return typeof type === "string" ? type.slice(0, 32) : null;
}

/**
 * The conversation's own id (`conversation_id`, else `id`); without one, a hash of the conversation,
 * so importing the same file again still finds it.
 */
function sourceId(conversation: JsonObject, path: string, value: unknown): string {
  const id =
    optionalString(conversation, "conversation_id", path) ?? optionalString(conversation, "id", path);
  if (id !== null && id.length > 0) return id;
  return `sha256:${createHash("sha256").update(JSON.stringify(value)).digest("hex")}`;
}
