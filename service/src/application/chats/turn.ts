/**
 * A turn: a user message (new, or a stored one answered again) and a reply that starts generating. Every
 * way to start a reply comes through here — sendMessage, editMessage, regenerateReply — and everything
 * that can be refused is refused before anything is written: the user's limits included (checkLimits
 * here; the concurrency limit inside startTurn's transaction, where it is exact).
 *
 * Time to the first token is what a person waits for, so the database work before the model call is one
 * transaction: it checks the chat is the user's and idle, stores the turn and reads the newest history
 * back (see the repository's startTurn). Only a long window reads further, page by page.
 *
 * The model call does not even wait for that transaction's end: once its checks passed (`onChecked`),
 * the prompt is fitted and the request sent while the rows are written and committed; the `started`
 * event goes out only after the commit, and a turn that fails then aborts the request (README, "How it
 * is built"; `modelCallAfterCommit` keeps the strict order).
 */
import { isContextMessage, titleFrom, type Message } from "../../domain/chat.js";
import { ContextFitter } from "../../domain/context-window.js";
import { replyInProgress, shuttingDown } from "../../domain/errors.js";
import { noUsage } from "../../domain/usage.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { chatModelsOf, turnModels, type ModelChoice } from "../models/chat-models.js";
import { inEncoding } from "../models/in-encoding.js";
import { checkLimits } from "../limits/check-limits.js";
import { optionalRequestId } from "../input-rules.js";
import type { ModelRequest, PromptMessage } from "../replies/chat-model.js";
import type { ModelCall } from "../replies/model-call.js";
import type { ReplyJob } from "../replies/reply-job.js";
import type { ReplyHub } from "../replies/reply-hub.js";
import type { ReplyEvent, ReplyStartedEvent } from "../replies/reply-events.js";
import { AdmissionSeat } from "../replies/admission.js";
import { newChatInstructions } from "../instructions/set-chat-instructions.js";
import { systemPromptOf, type SystemPrompt } from "../instructions/instructions-rules.js";
import type { ChatRepository, CheckedTurn, TurnChat, TurnPlace } from "./chat-repository.js";
import { attachOnDuplicate, attachToPrior, requestBodyHash } from "./send-requests.js";

/** A turn as its use case (send, edit, regenerate) has checked and shaped it. */
export interface TurnInput {
  userId: string;
  /** null starts a new chat (a send only). */
  chatId: string | null;
  /** The user message's text: new, or the stored one's when it is answered again. */
  text: string;
  /** Where it goes in the chat's tree (absent: after the active leaf). */
  place?: TurnPlace | undefined;
  /** A model id of the catalog; absent: the chat's model (a new chat: the default). */
  model?: string | undefined;
  /** For a new chat only: its own instructions (undefined/null: the default; "": no system prompt). */
  instructions?: string | null | undefined;
  /** The client's request id and the digest of what it names (safe retries, see send-requests.ts). */
  request: { id: string; bodyHash: string } | null;
  /** The caller's signal: when it aborts the caller stops watching (the reply goes on). */
  signal?: AbortSignal | undefined;
}

/** How many stored messages are read per query while filling the context window. */
const historyPageSize = 50;

/** Starts the turn and returns its reply's events (see the module comment). */
export async function startReply(
  deps: ChatUseCaseDeps,
  input: TurnInput,
): Promise<AsyncIterable<ReplyEvent>> {
  // Overload admission holds a seat from its check until the reply started (or the turn failed).
  const seat = new AdmissionSeat(deps.hub);
  try {
    return await admittedTurn(deps, input, seat);
  } finally {
    seat.release();
  }
}

async function admittedTurn(
  deps: ChatUseCaseDeps,
  input: TurnInput,
  seat: AdmissionSeat,
): Promise<AsyncIterable<ReplyEvent>> {
  const { settings, repository, hub, clock, newId } = deps;
  const { userId, text, request } = input;
  const existingChatId = input.chatId;
  if (!hub.isAccepting) throw shuttingDown();
  // A retry attaches before anything else is checked: it is not a new message (no limits charged, and
  // its own live reply is not "in progress" for it).
  const prior = request && (await attachToPrior(deps, { ...request, userId, signal: input.signal }));
  if (prior) return prior;
  // Refused here without a database round trip when this process is the one answering; startTurn
  // refuses it anyway (in the database, across replicas).
  const live = existingChatId === null ? undefined : hub.liveReplyOfChat(userId, existingChatId);
  if (live) {
    // A concurrent attempt with this id may have committed its turn (and started this live reply) after
    // the look above: then this attempt attaches to it too, as startTurn's duplicate key would make it.
    const raced = request && (await attachToPrior(deps, { ...request, userId, signal: input.signal }));
    if (raced) return raced;
    throw replyInProgress(live.chatId, live.replyId);
  }
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
  /** The prompt of a turn whose checks passed: the path before the user message fitted to the window. */
  const promptOf = async (checked: CheckedTurn): Promise<TurnPrompt> => {
    const choice = models.forChat(checked.chat.model);
    const system = systemFor(choice, checked.chat);
    const fitter = fitterFor(checked.chat);
    const path = newestFirstPath(repository, chatId, checked.history, checked.historyFrom);
    const history = await fit(countedFor(deps, choice, path), fitter);
    const request: ModelRequest = {
      model: choice.model.id,
      messages: prompt(system.text, history, text),
      maxOutputTokens: choice.limits.maxOutputTokens,
      temperature: settings.temperature,
      logFields: deps.logFields,
    };
    return { choice, system, fitter, history, request };
  };
  // The model call starts once the turn can no longer be refused, while its rows are written and
  // committed (time to first token); a turn that then fails aborts it. MODEL_CALL_AFTER_COMMIT: after.
  let early = null as EarlyTurn | null;
  const onChecked = (checked: CheckedTurn) => {
    early?.call.abort(turnNotStored());
    early = callEarly(hub, () => promptOf(checked));
  };
  const now = clock.now();
  const starting = repository.startTurn({
    userId,
    chatId,
    place: input.place,
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
    onChecked: settings.modelCallAfterCommit ? undefined : onChecked,
    userMessage: {
      id: input.place?.kind === "answer" ? input.place.userMessage.id : newId(),
      content: text,
      tokenCount: countFor(models.first),
    },
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
  const followDuplicate = attachOnDuplicate(deps, request && { ...request, userId, signal: input.signal });
  const turn = await starting.catch((error: unknown) => {
    // Nothing was stored: a model call started for it must not run on.
    early?.call.abort(turnNotStored());
    return followDuplicate(error);
  });
  if (!("reply" in turn)) return turn;

  let job: ReplyJob | null = null;
  try {
    const {
      choice,
      system,
      fitter,
      history,
      request: modelRequest,
    } = await (early?.prompt ?? promptOf(turn));
    // Only now, with the turn committed: a client never sees a reply that is not stored.
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
        // Along the path: the messages before the user's that the window left out.
        messagesLeftOut: turn.userMessage.depth - 1 - history.length,
        systemPromptTokens: system.tokens ?? 0,
      },
    };
    job = hub.start(userId, started, modelRequest, early?.call);
    const titled = {
      userId,
      chatId,
      seq: turn.userMessage.depth,
      chat: turn.chat,
      text,
      model: choice.model.id,
      logFields: deps.logFields,
    };
    deps.titles?.afterAnswer(job, titled);
    return job.attach(0, input.signal);
  } catch (error) {
    // A call no job took: it ends with the turn. (A job, once started, ends its own.)
    if (!job) early?.call.abort(turnNotStored());
    // The turn is stored but no job will end the reply: end it here so nothing stays `streaming`.
    await repository
      .finishReply(turn.reply.id, {
        owner: hub.owner,
        userId,
        content: "",
        tokenCount: 0,
        status: "failed",
        finishReason: null,
        // A call started early was aborted before its job took it: at most its prompt (README).
        usage: noUsage,
        error: "the answer could not be started",
        now: clock.now(),
      })
      .catch(() => undefined);
    throw error;
  }
}

/** A turn's prompt: the model chosen for its chat, the system prompt, and the history that fits. */
interface TurnPrompt {
  choice: ModelChoice;
  system: SystemPrompt;
  fitter: ContextFitter;
  history: Message[];
  request: ModelRequest;
}

/** A model call started while the turn commits, and the prompt it was started with. */
interface EarlyTurn {
  prompt: Promise<TurnPrompt>;
  call: ModelCall;
}

/** Fits the prompt and sends the model request of a turn whose checks passed; null: shutting down. */
function callEarly(hub: ReplyHub, promptOf: () => Promise<TurnPrompt>): EarlyTurn | null {
  // The turn fails after its commit (hub.start refuses it): nothing to send for it.
  if (!hub.isAccepting) return null;
  const fitted = promptOf();
  const request = fitted.then((ready) => ready.request);
  const call = hub.callModel(request);
  // Settled after the call's own step on `request`: once the prompt is ready the request goes out
  // first, then the turn goes on (should the commit have been quicker than the fitting).
  const prompt = request.then(() => fitted);
  prompt.catch(() => undefined); // thrown after the commit, where the turn fails
  return { prompt, call };
}

function turnNotStored() {
  return new DOMException("the turn was not stored", "AbortError");
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
 * The path before the user message, newest first: what startTurn read, then — only if the path goes on
 * and the window still has room — older pages, one query each, as far as the consumer reads.
 */
async function* newestFirstPath(
  repository: ChatRepository,
  chatId: string,
  newest: Message[],
  from: string | null,
) {
  yield* newest;
  if (from !== null) yield* repository.pathNewestFirst(chatId, from, historyPageSize);
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

/**
 * The request id and the digest of what it names, when the client gave one: the kind of request and its
 * fields, so the same id with another body (or another kind) is refused.
 */
export function turnRequestOf(
  requestId: string | undefined,
  kind: "send" | "edit" | "regenerate",
  fields: readonly (string | null)[],
) {
  const id = optionalRequestId(requestId);
  return id === null ? null : { id, bodyHash: requestBodyHash(kind, fields) };
}

function prompt(systemPrompt: string | null, history: Message[], text: string): PromptMessage[] {
  const messages: PromptMessage[] = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
  for (const message of history) messages.push({ role: message.role, content: message.content });
  messages.push({ role: "user", content: text });
  return messages;
}
