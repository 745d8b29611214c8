/**
 * sendMessage: the user says something; the chat gets their message and a reply starts generating.
 * Everything that can be refused is refused before anything is written — the user's limits included
 * (checkLimits here; the concurrency limit inside startTurn's transaction, where it is exact).
 *
 * Time to the first token is what a person waits for, so the database work before the model call is one
 * transaction: it checks the chat is the user's and idle, stores the turn and reads the newest history
 * back (see the repository's startTurn). Only a long window reads further, page by page.
 */
import { isContextMessage, titleFrom, type Message } from "../../domain/chat.js";
import { ContextFitter } from "../../domain/context-window.js";
import { replyInProgress, shuttingDown } from "../../domain/errors.js";
import { noUsage } from "../../domain/usage.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { chatModelsOf, turnModels, type ModelChoice } from "../models/chat-models.js";
import { inEncoding } from "../models/in-encoding.js";
import { checkLimits } from "../limits/check-limits.js";
import { optionalRequestId, requireId, requireMessageText, requireUserId } from "../input-rules.js";
import type { PromptMessage } from "../replies/chat-model.js";
import type { ReplyEvent, ReplyStartedEvent } from "../replies/reply-events.js";
import { AdmissionSeat } from "../replies/admission.js";
import { newChatInstructions } from "../instructions/set-chat-instructions.js";
import { systemPromptOf, type SystemPrompt } from "../instructions/instructions-rules.js";
import type { ChatRepository, TurnChat } from "./chat-repository.js";
import { attachOnDuplicate, attachToPrior, requestBodyHash } from "./send-requests.js";

export interface SendMessageInput {
  /** Empty or undefined starts a new chat. */
  chatId?: string | undefined;
  userId: string;
  text: string;
  /** A model id of the catalog; absent: the chat's model (a new chat: the default). */
  model?: string | undefined;
  /** For a new chat only: its own instructions (undefined/null: the default; "": no system prompt). */
  instructions?: string | null | undefined;
  /**
   * The client's id for this send (safe retries, see send-requests.ts); empty or absent: none. A retry
   * with the same id attaches to the first attempt's reply; the same id with another body is refused.
   */
  requestId?: string | undefined;
  /** The caller's signal: when it aborts the caller stops watching (the reply goes on). */
  signal?: AbortSignal | undefined;
}

/** How many stored messages are read per query while filling the context window. */
const historyPageSize = 50;

export async function sendMessage(
  deps: ChatUseCaseDeps,
  input: SendMessageInput,
): Promise<AsyncIterable<ReplyEvent>> {
  // Overload admission holds a seat from its check until the reply started (or the send failed).
  const seat = new AdmissionSeat(deps.hub);
  try {
    return await admittedSend(deps, input, seat);
  } finally {
    seat.release();
  }
}

async function admittedSend(
  deps: ChatUseCaseDeps,
  input: SendMessageInput,
  seat: AdmissionSeat,
): Promise<AsyncIterable<ReplyEvent>> {
  const { settings, repository, hub, clock, newId } = deps;
  const userId = requireUserId(input.userId);
  const text = requireMessageText(input.text, settings.maxMessageBytes);
  const existingChatId = input.chatId ? requireId(input.chatId, "chat_id") : null;
  const request = sendRequestOf(input, existingChatId);
  if (!hub.isAccepting) throw shuttingDown();
  // A retry attaches before anything else is checked: it is not a new message (no limits charged, and
  // its own live reply is not "in progress" for it).
  const prior = request && (await attachToPrior(deps, { ...request, userId, signal: input.signal }));
  if (prior) return prior;
  // Refused here without a database round trip when this process is the one answering; startTurn
  // refuses it anyway (in the database, across replicas).
  const live = existingChatId === null ? undefined : hub.liveReplyOfChat(userId, existingChatId);
  if (live) throw replyInProgress(live.chatId, live.replyId);
  // Overload: beyond what this process holds a new reply is refused, so those streaming keep their pace.
  seat.take({ maxLiveReplies: settings.maxLiveReplies ?? 0 }, hub.size);
  // Every channel comes through here: the limits are checked before anything is written or sent.
  const limits = deps.userLimits ? await checkLimits(deps.userLimits, userId) : null;

  // The chat's model, when it decides, comes from startTurn's transaction (no read before it): the
  // message is counted for the default first and again only for a model with another encoding.
  const models = turnModels(deps, existingChatId !== null, input.model);
  const instructions = newChatInstructions(deps, existingChatId, input.instructions, models.first.limits);
  const counts = new Map<string, number>();
  const countFor = (choice: ModelChoice) => {
    let count = counts.get(choice.model.encoding);
    if (count === undefined) counts.set(choice.model.encoding, (count = choice.counter.count(text)));
    return count;
  };
  const systems = new Map<ModelChoice, (chat: TurnChat) => SystemPrompt>();
  const systemFor = (choice: ModelChoice, chat: TurnChat) => {
    let system = systems.get(choice);
    if (!system) systems.set(choice, (system = systemPromptFor(settings, choice)));
    return system(chat);
  };
  // Checked in startTurn's transaction, once the chat's instructions and model are known: nothing is
  // written if the message cannot fit beside them.
  const fitterFor = (chat: TurnChat) => {
    const choice = models.forChat(chat.model);
    return new ContextFitter(choice.limits, systemFor(choice, chat).tokens, countFor(choice));
  };
  const chatId = existingChatId ?? newId();
  const now = clock.now();
  const starting = repository.startTurn({
    userId,
    chatId,
    newChat:
      existingChatId === null
        ? {
            title: titleFrom(text),
            model: models.first.model.id,
            titleSource: "first_message",
            ...instructions,
          }
        : null,
    chatModel: existingChatId !== null ? models.requested?.id : undefined,
    admit: (chat) => void fitterFor(chat),
    userMessage: { id: newId(), content: text, tokenCount: countFor(models.first) },
    tokenEncoding: models.first.model.encoding,
    countFor: (chat) => {
      const choice = models.forChat(chat.model);
      return { tokenCount: countFor(choice), tokenEncoding: choice.model.encoding };
    },
    replyId: newId(),
    lease: hub.leaseFrom(now),
    now,
    historyLimit: historyPageSize,
    maxLiveReplies: limits?.concurrentReplies ?? 0,
    request: deps.sendRequests ? request : null,
  });
  // A concurrent attempt with this id stored its turn first: this one follows that turn's reply.
  const turn = await starting.catch(
    attachOnDuplicate(deps, request && { ...request, userId, signal: input.signal }),
  );
  if (!("reply" in turn)) return turn;

  const choice = models.forChat(turn.chat.model);
  try {
    const system = systemFor(choice, turn.chat);
    const fitter = fitterFor(turn.chat);
    const newestFirst = countedFor(deps, choice, newestFirstHistory(repository, chatId, turn.history));
    const history = await fit(newestFirst, fitter);
    const started: ReplyStartedEvent = {
      type: "started",
      chatId,
      userMessageId: turn.userMessage.id,
      replyId: turn.reply.id,
      model: choice.model.id,
      context: {
        tokensUsed: fitter.promptTokens,
        contextWindow: choice.limits.contextWindow,
        maxOutputTokens: choice.limits.maxOutputTokens,
        messagesLeftOut: turn.userMessage.seq - 1 - history.length,
        systemPromptTokens: system.tokens ?? 0,
      },
    };
    const job = hub.start(userId, started, {
      model: choice.model.id,
      messages: prompt(system.text, history, text),
      maxOutputTokens: choice.limits.maxOutputTokens,
      temperature: settings.temperature,
    });
    recordPromptTokens(deps, turn.reply.id, fitter.promptTokens);
    const titled = {
      userId,
      chatId,
      seq: turn.userMessage.seq,
      chat: turn.chat,
      text,
      model: choice.model.id,
    };
    deps.titles?.afterAnswer(job, titled);
    return job.attach(0, input.signal);
  } catch (error) {
    // The turn is stored but no job will end the reply: end it here so nothing stays `streaming`.
    await repository
      .finishReply(turn.reply.id, {
        owner: hub.owner,
        userId,
        content: "",
        tokenCount: 0,
        status: "failed",
        finishReason: null,
        usage: noUsage, // nothing was sent upstream
        error: "the answer could not be started",
        now: clock.now(),
      })
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Stores what the prompt cost on the live reply, for the sweeper's estimate should this process die
 * before the reply ends (its own final write stores the usage anyway). Not awaited: it must not delay
 * the model call (time to first token), and the model call does not depend on it. A failure is only
 * logged: the reply goes on, and only a crash in that window would then estimate the prompt as 0.
 */
function recordPromptTokens(deps: ChatUseCaseDeps, replyId: string, promptTokens: number): void {
  deps.repository.recordPromptTokens(replyId, deps.hub.owner, promptTokens).catch((error: unknown) => {
    deps.logger.warn("could not record a reply's prompt tokens", { replyId, error: String(error) });
  });
}

/**
 * The system prompt a chat sends with the turn's model. Stored counts (the default prompt's, a chat's
 * own instructions') are in the default model's encoding, the one they were counted with; a model with
 * another encoding counts the text again, so the window is never fitted with another tokenizer's numbers.
 */
function systemPromptFor(
  settings: ChatUseCaseDeps["settings"],
  choice: ModelChoice,
): (chat: TurnChat) => SystemPrompt {
  const defaults = { systemPrompt: settings.systemPrompt, systemPromptTokens: choice.systemPromptTokens };
  const storedCountsHold = choice.model.encoding === choice.legacyEncoding;
  const seen = new WeakMap<TurnChat, SystemPrompt>();
  return (chat) => {
    let system = seen.get(chat);
    if (!system) {
      const counted = storedCountsHold ? chat : { ...chat, instructionsTokens: null };
      system = systemPromptOf(defaults, counted, choice.counter);
      seen.set(chat, system);
    }
    return system;
  };
}

/**
 * The history newest first: the page startTurn read, then — only if that page was full and the window
 * still has room — older pages, one query each, as far as the consumer reads.
 */
async function* newestFirstHistory(repository: ChatRepository, chatId: string, newest: Message[]) {
  yield* newest;
  const oldest = newest.at(-1);
  if (newest.length < historyPageSize || !oldest) return;
  yield* repository.messagesNewestFirst(chatId, oldest.seq, historyPageSize);
}

/** The history with its token counts in the chosen model's encoding (see models/in-encoding.ts). */
function countedFor(deps: ChatUseCaseDeps, choice: ModelChoice, newestFirst: AsyncIterable<Message>) {
  return inEncoding(newestFirst, {
    encoding: choice.model.encoding,
    legacyEncoding: choice.legacyEncoding,
    counter: choice.counter,
    store: chatModelsOf(deps).tokenCounts,
    logger: deps.logger,
    batchSize: historyPageSize,
  });
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

/** The request id and the digest of the body it names, when the client gave one. */
function sendRequestOf(input: SendMessageInput, chatId: string | null) {
  const id = optionalRequestId(input.requestId);
  if (id === null) return null;
  const fields = [chatId, input.text, input.model || null, input.instructions ?? null];
  return { id, bodyHash: requestBodyHash("send", fields) };
}

function prompt(systemPrompt: string | null, history: Message[], text: string): PromptMessage[] {
  const messages: PromptMessage[] = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
  for (const message of history) messages.push({ role: message.role, content: message.content });
  messages.push({ role: "user", content: text });
  return messages;
}
