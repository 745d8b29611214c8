/**
 * The chat use cases bound to their dependencies: what the protocol adapters call. Each use case is a
 * plain function of (deps, input) in its concern's folder; this class only holds the deps for them.
 */
import type { Chat } from "../domain/chat.js";
import type { ContextLimits } from "../domain/context-window.js";
import type { ChatRepository } from "./chats/chat-repository.js";
import type { LimitsDeps } from "./limits/check-limits.js";
import { deleteChat, type DeleteChatInput } from "./chats/delete-chat.js";
import { getChat, type GetChatInput } from "./chats/get-chat.js";
import { listChats, type ListChatsInput } from "./chats/list-chats.js";
import { renameChat, type RenameChatInput } from "./chats/rename-chat.js";
import { setChatModel, type SetChatModelInput } from "./chats/set-chat-model.js";
import { chatModelsOf, type ChatModels } from "./models/chat-models.js";
import { sendMessage, type SendMessageInput } from "./chats/send-message.js";
import { editMessage, type EditMessageInput } from "./chats/edit-message.js";
import { regenerateReply, type RegenerateReplyInput } from "./chats/regenerate-reply.js";
import { setActiveBranch, type SetActiveBranchInput } from "./chats/set-active-branch.js";
import type { SendRequestsDeps } from "./chats/send-requests.js";
import type { InstructionsBounds } from "./instructions/instructions-rules.js";
import { systemPromptTokensOf } from "./instructions/instructions-rules.js";
import { setChatInstructions, type SetChatInstructionsInput } from "./instructions/set-chat-instructions.js";
import type { Clock, IdGenerator, Logger, TokenCounter } from "./ports.js";
import { withFields, type LogFields } from "./log-fields.js";
import { createInProcessChatEvents } from "./chat-list/chat-events.js";
import { ChatWatches, type WatchChatsInput } from "./chat-list/watch-chats.js";
import { watchChat, type WatchChatInput } from "./chat-list/watch-chat.js";
import type { TitleWriter } from "./titles/title-writer.js";
import type { ReplyHub } from "./replies/reply-hub.js";
import { stopReply, type StopReplyInput } from "./replies/stop-reply.js";
import { watchReply, type WatchReplyInput } from "./replies/watch-reply.js";

/** What shapes a reply: the model, its window, and the caps on input. */
export interface ChatSettings {
  model: string;
  limits: ContextLimits;
  temperature: number;
  systemPrompt: string | null;
  /** Tokens of the system prompt, counted once at start-up. */
  systemPromptTokens: number | null;
  /** Cap on a user message in UTF-8 bytes, checked before tokenizing. */
  maxMessageBytes: number;
  /** Caps on a chat's own instructions; defaults when absent. */
  instructions?: InstructionsBounds | undefined;
  /** New replies beyond this many live ones in this process are refused (`server.overloaded`); 0/absent: off. */
  maxLiveReplies?: number | undefined;
  /**
   * The model call waits for the turn's commit (MODEL_CALL_AFTER_COMMIT; no pre-read then); absent/false:
   * it starts once a read of the turn passed its checks (the transaction's own, or its pre-read with
   * `turnPreRead`), and is aborted when the turn then fails (see turn.ts).
   */
  modelCallAfterCommit?: boolean | undefined;
  /**
   * TURN_PRE_READ: a turn reads its chat ahead, beside its transaction, and starts the model call on
   * that read; the locked read keeps the call or aborts it (early-turn-call.ts). Absent/false: off.
   */
  turnPreRead?: boolean | undefined;
}

/** What every use case may need: the ports, the live-reply hub and the settings. */
export interface ChatUseCaseDeps {
  repository: ChatRepository;
  hub: ReplyHub;
  tokenCounter: TokenCounter;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  settings: ChatSettings;
  /** The models chats may pick; absent: only `settings.model`, counted with `tokenCounter`. */
  models?: ChatModels | undefined;
  /** The per-user limits; absent: none (tests of other concerns). */
  userLimits?: LimitsDeps | undefined;
  /** Writes titles after first answers; absent: titles stay the first message's. */
  titles?: TitleWriter | undefined;
  /** Where client request ids are kept (safe retries); absent: `request_id` is checked but not kept. */
  sendRequests?: SendRequestsDeps | undefined;
  /** The live chat lists (WatchChats); absent: this process's own, fed by nothing (tests of others). */
  chatWatches?: ChatWatches | undefined;
  /** What names the request these use cases serve on log lines (see `forRequest`); absent: none. */
  logFields?: LogFields | undefined;
}

export class ChatUseCases {
  /** The deps' own, or this process's (created here, not on first use: every `forRequest` copy shares it). */
  private readonly chatWatches: ChatWatches;

  constructor(private readonly deps: ChatUseCaseDeps) {
    this.chatWatches = deps.chatWatches ?? new ChatWatches(createInProcessChatEvents());
  }

  /**
   * The same use cases for one request: their log lines, their replies' and their model calls' carry
   * `fields` (the RPC's request id). Cheap: one object per request, nothing per event.
   */
  forRequest(fields: LogFields): ChatUseCases {
    return new ChatUseCases({
      ...this.deps,
      chatWatches: this.chatWatches,
      logger: withFields(this.deps.logger, fields),
      logFields: { ...this.deps.logFields, ...fields },
    });
  }

  /** The context window of a chat's model (the default model's when it is no longer configured). */
  contextWindowOf(model: string): number {
    const { catalog } = chatModelsOf(this.deps);
    return (catalog.find(model) ?? catalog.defaultModel).contextWindow;
  }

  /** The configured models, the default first. */
  get models() {
    return chatModelsOf(this.deps).catalog;
  }

  setChatModel(input: SetChatModelInput) {
    return setChatModel(this.deps, input);
  }

  /** The tokens of the system prompt `chat` sends (its own instructions or the default; 0: none). */
  systemPromptTokensOf(chat: Pick<Chat, "instructionsTokens">): number {
    return systemPromptTokensOf(this.deps.settings, chat);
  }

  sendMessage(input: SendMessageInput) {
    return sendMessage(this.deps, input);
  }

  regenerateReply(input: RegenerateReplyInput) {
    return regenerateReply(this.deps, input);
  }

  editMessage(input: EditMessageInput) {
    return editMessage(this.deps, input);
  }

  setActiveBranch(input: SetActiveBranchInput) {
    return setActiveBranch(this.deps, input);
  }

  watchReply(input: WatchReplyInput) {
    return watchReply(this.deps, input);
  }

  stopReply(input: StopReplyInput) {
    return stopReply(this.deps, input);
  }

  listChats(input: ListChatsInput) {
    return listChats(this.deps, input);
  }

  getChat(input: GetChatInput) {
    return getChat(this.deps, input);
  }

  renameChat(input: RenameChatInput) {
    return renameChat(this.deps, input);
  }

  deleteChat(input: DeleteChatInput) {
    return deleteChat(this.deps, input);
  }

  watchChats(input: WatchChatsInput) {
    return this.chatWatches.watch(input);
  }

  watchChat(input: WatchChatInput) {
    return watchChat(this.deps, this.chatWatches, input);
  }

  setChatInstructions(input: SetChatInstructionsInput) {
    return setChatInstructions(this.deps, input);
  }
}
