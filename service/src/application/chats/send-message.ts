/**
 * sendMessage: the user says something; the chat gets their message and a reply starts generating.
 * Everything that can be refused is refused before anything is written.
 *
 * Time to the first token is what a person waits for, so the database work before the model call is
 * kept to one round of waiting where it can be: an existing chat's history is read while the turn is
 * being stored (and checked against it afterwards), and a new chat's history is not read at all.
 */
import { isContextMessage, titleFrom, type Chat, type Message } from "../../domain/chat.js";
import { ContextFitter } from "../../domain/context-window.js";
import { chatNotFound, replyInProgress, shuttingDown } from "../../domain/errors.js";
import { requireId, requireMessageText, requireUserId } from "../input-rules.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import type { ChatRepository } from "./chat-repository.js";
import type { PromptMessage } from "../replies/chat-model.js";
import type { ReplyStartedEvent } from "../replies/reply-events.js";
import type { ReplySubscription } from "../replies/reply-subscription.js";

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

export async function sendMessage(
  deps: ChatUseCaseDeps,
  input: SendMessageInput,
): Promise<ReplySubscription> {
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
  const prefetched = chatId === null ? null : prefetchHistory(repository, chat.id);
  const turn = await repository
    .startTurn({
      chat,
      createChat: chatId === null,
      userMessage: { id: newId(), content: text, tokenCount },
      replyId: newId(),
      now,
    })
    .catch((error: unknown) => {
      prefetched?.cancel();
      throw error;
    });

  try {
    const history = prefetched
      ? await readHistory(deps, chat.id, prefetched, turn.userMessage.seq, fitter)
      : [];
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

/** Above every stored `seq` (an unsigned 32-bit column): "from the newest message on". */
const beyondNewest = 2 ** 32;

interface PrefetchedHistory {
  pages: AsyncIterator<Message>;
  first: Promise<IteratorResult<Message>>;
  cancel(): void;
}

/** Starts reading the chat's newest page now, before the turn is stored. */
function prefetchHistory(repository: ChatRepository, chatId: string): PrefetchedHistory {
  const pages = repository.messagesNewestFirst(chatId, beyondNewest, historyPageSize)[Symbol.asyncIterator]();
  const first = pages.next();
  first.catch(() => undefined); // if the turn fails, so may this read; nobody is waiting for it then
  return {
    pages,
    first,
    cancel: () =>
      void first.then(
        () => pages.return?.(),
        () => undefined,
      ),
  };
}

/**
 * The newest history before the user's message (`userSeq`) that fits, oldest first; reads no further
 * back than the window reaches. The prefetched read ran beside the turn's transaction, so it may hold
 * the new turn itself (skipped), or — on another replica — miss a turn stored just before this one or
 * catch a reply still streaming. Then the newest message read is not the one right before the user's
 * and the history is read again, from the stored turn back.
 */
async function readHistory(
  deps: ChatUseCaseDeps,
  chatId: string,
  prefetched: PrefetchedHistory,
  userSeq: number,
  fitter: ContextFitter,
): Promise<Message[]> {
  const { pages } = prefetched;
  let next = await prefetched.first;
  while (!next.done && next.value.seq >= userSeq) next = await pages.next();
  const newest = next.done ? undefined : next.value;
  const whole = newest ? newest.seq === userSeq - 1 && newest.status !== "streaming" : userSeq === 1;
  if (whole) return fit(rest(next, pages), fitter);
  await pages.return?.();
  return fit(deps.repository.messagesNewestFirst(chatId, userSeq, historyPageSize), fitter);
}

async function* rest(current: IteratorResult<Message>, pages: AsyncIterator<Message>) {
  try {
    for (let next = current; !next.done; next = await pages.next()) yield next.value;
  } finally {
    await pages.return?.();
  }
}

/** Takes history newest first while it fits; returns it oldest first. */
async function fit(newestFirst: AsyncIterable<Message>, fitter: ContextFitter): Promise<Message[]> {
  const taken: Message[] = [];
  for await (const message of newestFirst) {
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
