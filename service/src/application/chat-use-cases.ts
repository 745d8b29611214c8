/** The use cases bound to their dependencies: what the protocol adapters call. */
import type { ContextLimits } from "../domain/context-window.js";
import type { ChatUseCaseDeps } from "./chat-use-case-deps.js";
import { deleteChat, getChat, listChats, renameChat } from "./chat-queries.js";
import { sendMessage } from "./send-message.js";
import { stopReply } from "./stop-reply.js";
import { watchReply } from "./watch-reply.js";

type Bound<F> = F extends (deps: ChatUseCaseDeps, input: infer I) => infer R ? (input: I) => R : never;

export interface ChatUseCases {
  sendMessage: Bound<typeof sendMessage>;
  watchReply: Bound<typeof watchReply>;
  stopReply: Bound<typeof stopReply>;
  listChats: Bound<typeof listChats>;
  getChat: Bound<typeof getChat>;
  renameChat: Bound<typeof renameChat>;
  deleteChat: Bound<typeof deleteChat>;
  /** The configured context window and answer reserve, for the adapters to report. */
  limits: ContextLimits;
}

export function createChatUseCases(deps: ChatUseCaseDeps): ChatUseCases {
  return {
    sendMessage: (input) => sendMessage(deps, input),
    watchReply: (input) => watchReply(deps, input),
    stopReply: (input) => stopReply(deps, input),
    listChats: (input) => listChats(deps, input),
    getChat: (input) => getChat(deps, input),
    renameChat: (input) => renameChat(deps, input),
    deleteChat: (input) => deleteChat(deps, input),
    limits: deps.settings.limits,
  };
}
