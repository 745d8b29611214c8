/**
 * The model call a turn starts before its commit (time to first token, see turn.ts), and which read its
 * prompt came from. Two reads can start it:
 * - with TURN_PRE_READ, the pre-read (ChatRepository.readTurn): a plain read beside the turn's
 *   transaction, without its lock, that has the prompt first, so the request goes out while the
 *   transaction still waits for the chat's lock and its own read;
 * - the transaction's read under the lock, once every check passed (`onChecked`): the one that counts.
 * When the locked read gives the same prompt (same model and instructions, same history message for
 * message) the running call is kept; otherwise it is aborted at once and the call starts again from the
 * locked read, exactly as without a pre-read. An aborted call costs at most the prompt tokens of a
 * request cancelled before its first token (README, "How it is built").
 */
import type { Message } from "../../domain/chat.js";
import type { ContextFitter } from "../../domain/context-window.js";
import type { ModelChoice } from "../models/chat-models.js";
import type { SystemPrompt } from "../instructions/instructions-rules.js";
import type { ModelRequest } from "../replies/chat-model.js";
import type { ModelCall } from "../replies/model-call.js";
import type { ReplyHub } from "../replies/reply-hub.js";
import type { CheckedTurn } from "./chat-repository.js";

/** A turn's prompt: the model chosen for its chat, the system prompt, and the history that fits. */
export interface TurnPrompt {
  choice: ModelChoice;
  system: SystemPrompt;
  fitter: ContextFitter;
  history: Message[];
  request: ModelRequest;
}

/** A model call started while the turn commits, and the prompt it was started with. */
export interface EarlyTurn {
  prompt: Promise<TurnPrompt>;
  call: ModelCall;
}

export class EarlyTurnCall {
  private running: { read: CheckedTurn; turn: EarlyTurn | null } | null = null;
  /** The locked read came: a pre-read answering later is outdated. */
  private locked = false;
  /** The turn failed: nothing may start any more. */
  private ended = false;

  constructor(
    private readonly hub: ReplyHub,
    private readonly promptOf: (checked: CheckedTurn) => Promise<TurnPrompt>,
  ) {}

  /** The call that runs for the turn, if any (null: shutting down, or no read started one). */
  get turn(): EarlyTurn | null {
    return this.running?.turn ?? null;
  }

  /** The pre-read's turn (undefined: it would be refused, or it was not read ahead): the call starts. */
  fromPreread(read: CheckedTurn | undefined): void {
    if (read && !this.locked && !this.ended) this.start(read);
  }

  /** The turn as its transaction read it under the lock: the call goes on only if its prompt is this one's. */
  fromLocked(checked: CheckedTurn): void {
    this.locked = true;
    if (this.running && samePrompt(this.running.read, checked)) return;
    this.running?.turn?.call.abort(turnNotStored());
    this.start(checked);
  }

  /** The turn was not stored: the running call must not run on, and none may start after. */
  end(): void {
    this.ended = true;
    this.running?.turn?.call.abort(turnNotStored());
  }

  private start(read: CheckedTurn): void {
    this.running = { read, turn: callEarly(this.hub, () => this.promptOf(read)) };
  }
}

/**
 * Whether two reads of a turn give the same prompt: what promptOf builds from (the chat's model and
 * instructions, the path's messages and where it goes on). A stored message's text never changes once
 * it is not `streaming`, and no history holds a `streaming` one (the turn is refused), so ids would do;
 * the rest is compared anyway, cheaply, so that "the same" never rests on that argument alone.
 */
export function samePrompt(a: CheckedTurn, b: CheckedTurn): boolean {
  return (
    a.chat.model === b.chat.model &&
    a.chat.instructions === b.chat.instructions &&
    a.chat.instructionsTokens === b.chat.instructionsTokens &&
    a.historyFrom === b.historyFrom &&
    a.history.length === b.history.length &&
    a.history.every((message, i) => sameMessage(message, b.history[i]))
  );
}

function sameMessage(a: Message, b: Message | undefined): boolean {
  return (
    a.id === b?.id &&
    a.status === b.status &&
    a.role === b.role &&
    a.content === b.content &&
    a.tokenCount === b.tokenCount &&
    a.tokenEncoding === b.tokenEncoding
  );
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

export function turnNotStored() {
  return new DOMException("the turn was not stored", "AbortError");
}
