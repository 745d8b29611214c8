/** What createParley wraps when tracing is on: the model and the repository (WhatsApp: traced-whatsapp.ts). */
import type { ChatModel } from "../../application/replies/chat-model.js";
import type { ChatRepository } from "../../application/chats/chat-repository.js";
import { traceChatModel } from "./traced-chat-model.js";
import { traceRepository } from "./traced-repository.js";

export function traceParts(on: boolean, parts: { model: ChatModel; repository: ChatRepository }) {
  if (!on) return parts;
  return { model: traceChatModel(parts.model), repository: traceRepository(parts.repository) };
}
