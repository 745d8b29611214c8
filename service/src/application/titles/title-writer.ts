/**
 * Titles written by the model: after a chat's first answer completes, a small model is asked for a
 * short title in the background, and it replaces the first-message title unless the user renamed the
 * chat meanwhile (the store's conditional update decides, on any replica). Bounded: one request per
 * chat at a time, at most `maxConcurrent` in the process (beyond that the chance is skipped: the next
 * early answer tries again), each cut at `timeoutMs`; the answer is sanitized to one short line. What it
 * costs goes to the user's usage (kind `title`). A failure is only logged: the chat keeps its title.
 */
import type { Usage } from "../../domain/chat.js";
import type { ChatModel } from "../replies/chat-model.js";
import type { ReplyFinishedEvent } from "../replies/reply-events.js";
import type { Clock, Logger, TokenCounter } from "../ports.js";
import { withFields, type LogFields } from "../log-fields.js";
import type { UsageMeter } from "../usage/usage-meter.js";
import type { TurnChat } from "../chats/chat-repository.js";
import { tokensPerMessage, replyPrimingTokens } from "../../domain/context-window.js";
import type { TitleStore } from "./title-store.js";
import { sanitizeTitle, titleAnswerCap, titleOutputTokens, titleRequestMessages } from "./title-text.js";

export interface TitleSettings {
  /** The model that writes titles; null: the chat's own model. */
  model: string | null;
  /** A title request is abandoned after this long. */
  timeoutMs: number;
  /** Title requests at once in this process. */
  maxConcurrent: number;
}

export const defaultTitleSettings: TitleSettings = { model: null, timeoutMs: 15_000, maxConcurrent: 4 };

export interface TitleWriterDeps {
  model: ChatModel;
  store: TitleStore;
  meter: UsageMeter;
  tokenCounter: TokenCounter;
  clock: Clock;
  logger: Logger;
  settings: TitleSettings;
  /** Told how each chance to write a title ended (for the metrics). */
  onOutcome?: ((outcome: TitleOutcome) => void) | undefined;
}

/**
 * `written`: the chat has its new title; `kept`: not replaced (renamed meanwhile, or an empty answer);
 * `failed`: the model or the store failed; `skipped`: too many titles at once in this process.
 */
export type TitleOutcome = "written" | "kept" | "failed" | "skipped";

/** The turn whose answer may name the chat. */
export interface TitleTurn {
  userId: string;
  chatId: string;
  /** The user message's position: 1 for the chat's first. */
  seq: number;
  chat: Pick<TurnChat, "titleSource">;
  /** The user's message. */
  text: string;
  /** The chat's model (used when no title model is configured). */
  model: string;
  /** What names the request whose answer is titled (its request id) on log lines. */
  logFields?: LogFields | undefined;
}

/** A reply's end and its text, as the reply job offers them. */
export interface AnsweredReply {
  readonly done: Promise<ReplyFinishedEvent>;
  readonly answer: string;
}

/**
 * Only a chat whose title is still its first message's gets one, and only from one of its first three
 * answers: the first that completes (a first answer that failed or was stopped leaves the chance to the
 * next, but a chat is not asked about forever).
 */
const lastTitledSeq = 5;

export class TitleWriter {
  private readonly inFlight = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(private readonly deps: TitleWriterDeps) {}

  /** Writes a title once `reply` completes, when the turn is one that names its chat. */
  afterAnswer(reply: AnsweredReply, turn: TitleTurn): void {
    if (turn.chat.titleSource !== "first_message" || turn.seq > lastTitledSeq) return;
    reply.done.then(
      (finished) => {
        if (finished.status === "complete") this.write(turn, reply.answer);
      },
      () => undefined, // a reply that could not end has no answer to name the chat by
    );
  }

  /** Starts a title request unless one runs for the chat or the process is at its bound. */
  write(turn: TitleTurn, answer: string): void {
    const { settings } = this.deps;
    const logger = withFields(this.deps.logger, turn.logFields);
    if (this.closing.signal.aborted || this.inFlight.has(turn.chatId)) return;
    if (this.running.size >= settings.maxConcurrent) {
      this.deps.onOutcome?.("skipped");
      logger.warn("too many titles being written at once: this chat keeps its title for now", {
        chatId: turn.chatId,
      });
      return;
    }
    this.inFlight.add(turn.chatId);
    const run = this.generate(turn, answer)
      .then(
        (outcome) => this.deps.onOutcome?.(outcome),
        (error: unknown) => {
          this.deps.onOutcome?.("failed");
          logger.warn("could not write a chat's title", { chatId: turn.chatId, error: String(error) });
        },
      )
      .finally(() => {
        this.inFlight.delete(turn.chatId);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  /** How many title requests are running (for tests and shutdown). */
  get size(): number {
    return this.running.size;
  }

  /** Abandons the requests in flight and waits for them to settle (shutdown). */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(this.running);
  }

  private async generate(turn: TitleTurn, answer: string): Promise<TitleOutcome> {
    const { deps } = this;
    const model = deps.settings.model ?? turn.model;
    const messages = titleRequestMessages(turn.text, answer);
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(deps.settings.timeoutMs)]);
    let text = "";
    let reported: Usage | null = null;
    let accepted = false;
    let failure: unknown = null;
    try {
      const request = {
        model,
        messages,
        maxOutputTokens: titleOutputTokens,
        temperature: 0.3,
        logFields: turn.logFields,
      };
      for await (const event of deps.model.stream(request, signal)) {
        if (event.type === "accepted") accepted = true;
        else if (event.type === "delta") {
          text += event.text;
          // A server that ignores the output cap is not read on: the title is cut from the first line.
          if (text.length >= titleAnswerCap) break;
        } else if (event.type === "usage") reported = event.usage;
      }
    } catch (error) {
      failure = error;
    }
    const promptTokens =
      messages.reduce((sum, m) => sum + deps.tokenCounter.count(m.content) + tokensPerMessage, 0) +
      replyPrimingTokens;
    const usage = deps.meter.measure({ model, reported, promptTokens, text, accepted });
    const title = failure === null ? sanitizeTitle(text) : null;
    const stored = await deps.store.saveGeneratedTitle({
      userId: turn.userId,
      chatId: turn.chatId,
      title,
      usage,
      now: deps.clock.now(),
    });
    const logger = withFields(deps.logger, turn.logFields);
    if (failure !== null) {
      logger.warn("the model did not write a title", { chatId: turn.chatId, error: String(failure) });
      return "failed";
    }
    if (!stored) {
      logger.info("a chat's title was not replaced", { chatId: turn.chatId, kept: title === null });
      return "kept";
    }
    return "written";
  }
}
