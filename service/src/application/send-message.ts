/**
 * sendMessage: the user says something; the chat gets their message and a reply starts generating.
 * Everything that can be refused is refused before anything is written.
 */
import { isContextMessage, titleFrom, type Chat, type Message } from "../domain/chat.js";
import { ContextFitter } from "../domain/context-window.js";
import { chatNotFound, replyInProgress, shuttingDown } from "../domain/errors.js";
import { requireId, requireMessageText, requireUserId } from "./input-rules.js";
import type { ChatUseCaseDeps } from "./chat-use-case-deps.js";
import type { PromptMessage } from "./ports.js";
import type { ReplyStartedEvent } from "./reply-events.js";
import type { ReplyWatch } from "./reply-watch.js";

export interface SendMessageInput {
  /** Empty or undefined starts a new chat. */
  chatId?: string | undefined;
  userId: string;
  text: string;
  /** The caller's signal: when it aborts the caller stops watching (the reply goes on). */
  signal?: AbortSignal | undefined;
}

/** How many stored messages are read per query while filling the context window. */
const historyPageSize = 50;

export async function sendMessage(deps: ChatUseCaseDeps, input: SendMessageInput): Promise<ReplyWatch> {
  const { settings, repository, hub, tokenCounter, clock, newId } = deps;
  const userId = requireUserId(input.userId);
  const text = requireMessageText(input.text, settings.maxMessageBytes);
  const chatId = input.chatId ? requireId(input.chatId, "chat_id") : null;
  if (!hub.isAccepting) throw shuttingDown();

  const now = clock.now();
  const chat: Chat = chatId
    ? ((await repository.findChat(userId, chatId)) ?? throwError(chatNotFound(chatId)))
    : { id: newId(), userId, title: titleFrom(text), model: settings.model, createdAt: now, updatedAt: now };
  const live = hub.liveReplyOfChat(chat.id);
  if (live) throw replyInProgress(chat.id, live.replyId);

  const tokenCount = tokenCounter.count(text);
  const fitter = new ContextFitter(settings.limits, settings.systemPromptTokens, tokenCount);
  const turn = await repository.startTurn({
    chat,
    createChat: chatId === null,
    userMessage: { id: newId(), content: text, tokenCount },
    replyId: newId(),
    now,
  });

  try {
    const history = await readHistory(deps, chat.id, turn.userMessage.seq, fitter);
    const started: ReplyStartedEvent = {
      type: "started",
      chatId: chat.id,
      userMessageId: turn.userMessage.id,
      replyId: turn.reply.id,
      model: settings.model,
      context: {
        tokensUsed: fitter.promptTokens,
        contextWindow: settings.limits.contextWindow,
        maxOutputTokens: settings.limits.maxOutputTokens,
        messagesLeftOut: turn.userMessage.seq - 1 - history.length,
      },
    };
    const job = hub.start(started, {
      model: settings.model,
      messages: prompt(settings.systemPrompt, history, text),
      maxOutputTokens: settings.limits.maxOutputTokens,
      temperature: settings.temperature,
    });
    return job.attach(0, input.signal);
  } catch (error) {
    // The turn is stored but no job will end the reply: end it here so nothing stays `streaming`.
    await repository
      .finishReply(turn.reply.id, {
        content: "",
        tokenCount: 0,
        status: "failed",
        finishReason: null,
        usage: null,
        error: "the answer could not be started",
        now: clock.now(),
      })
      .catch(() => undefined);
    throw error;
  }
}

/** The newest history that fits, oldest first. Reads no further back than the window reaches. */
async function readHistory(
  deps: ChatUseCaseDeps,
  chatId: string,
  beforeSeq: number,
  fitter: ContextFitter,
): Promise<Message[]> {
  const taken: Message[] = [];
  for await (const message of deps.repository.messagesNewestFirst(chatId, beforeSeq, historyPageSize)) {
    if (!isContextMessage(message)) continue;
    if (!fitter.offer(message.tokenCount)) break;
    taken.push(message);
  }
  return taken.reverse();
}

function prompt(systemPrompt: string | null, history: Message[], text: string): PromptMessage[] {
  const messages: PromptMessage[] = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
  for (const message of history) messages.push({ role: message.role, content: message.content });
  messages.push({ role: "user", content: text });
  return messages;
}

function throwError(error: Error): never {
  throw error;
}
