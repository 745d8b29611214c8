/**
 * A WhatsApp message for the model: sent through sendMessage like any channel's (user_id = the sender),
 * read to the end, and turned into the text to send back. A WhatsApp user cannot watch a reply stream,
 * so the answer is sent whole once it has finished; an answer that did not finish says so. The model
 * writes Markdown, which is converted to WhatsApp's formatting (the notes added to it are plain text).
 */
import { whatsAppTexts } from "../../domain/whatsapp-commands.js";
import { DomainError } from "../../domain/errors.js";
import { toWhatsAppText } from "../../domain/whatsapp-format.js";
import type { ReplyEvent, ReplyFinishedEvent, ReplyStartedEvent } from "../replies/reply-events.js";
import { readWholeReply } from "../replies/reply-text.js";
import { failure, notice, type WhatsAppReply } from "./whatsapp-replies.js";
import type { WhatsAppDeps } from "./whatsapp-ports.js";

export interface ModelTurn {
  messageSid: string;
  sender: string;
  text: string;
  /** The sender's current chat; null starts a new one, which becomes their current chat. */
  chatId: string | null;
  /** `/retry`: the chat's latest answer written again (RegenerateReply) instead of sending `text`. */
  regenerate?: boolean;
}

export async function askModelOnWhatsApp(deps: WhatsAppDeps, turn: ModelTurn): Promise<WhatsAppReply> {
  let events: AsyncIterable<ReplyEvent>;
  try {
    events =
      turn.regenerate && turn.chatId !== null
        ? await deps.useCases.regenerateReply({ chatId: turn.chatId, userId: turn.sender })
        : await deps.useCases.sendMessage({
            chatId: turn.chatId ?? undefined,
            userId: turn.sender,
            text: turn.text,
          });
  } catch (error) {
    if (error instanceof DomainError && (error.code.startsWith("limit.") || error.code === "account.blocked"))
      return limitRefused(deps, turn, error);
    return refused(deps, turn, error);
  }
  const { text, finished } = await readWholeReply(events, (started) => noteStarted(deps, turn, started));
  return finished ? answerOf(toWhatsAppText(text), finished) : notice(whatsAppTexts.failed);
}

/** Ties the turn to its chat and reply (for `/stop` and the record), and remembers a new chat. */
async function noteStarted(deps: WhatsAppDeps, turn: ModelTurn, started: ReplyStartedEvent): Promise<void> {
  const reply = {
    sender: turn.sender,
    chatId: started.chatId,
    replyId: started.replyId,
    newChat: turn.chatId === null,
    now: deps.clock.now(),
  };
  // The answer matters more than the bookkeeping: a failure here only costs the chat's continuity.
  await deps.store.replyStarted(turn.messageSid, reply).catch((error: unknown) => {
    deps.logger.warn("could not note the chat of a WhatsApp message", {
      messageSid: turn.messageSid,
      error: String(error),
    });
  });
}

function answerOf(answer: string, finished: ReplyFinishedEvent): WhatsAppReply {
  const problem = { errorCode: finished.errorCode, error: finished.error };
  const withNote = (note: string) => (answer.trim() ? `${answer.trimEnd()}\n\n${note}` : note);
  switch (finished.status) {
    case "complete":
      return answer.trim() ? notice(answer) : { ...notice(whatsAppTexts.failed), ...problem };
    case "stopped":
      return notice(withNote(whatsAppTexts.stopped));
    case "incomplete":
      return { ...notice(withNote(whatsAppTexts.cutOff)), ...problem };
    case "interrupted":
      return { text: withNote(whatsAppTexts.restarted), status: "interrupted", ...problem };
    case "failed":
      return { text: whatsAppTexts.failed, status: "failed", ...problem };
  }
}

/**
 * A limit refused the message: the sender gets the refusal's sentence once per limit period (say, the
 * day); later messages in that period get no reply at all, and their turns record the refusal.
 */
async function limitRefused(deps: WhatsAppDeps, turn: ModelTurn, error: DomainError): Promise<WhatsAppReply> {
  const problem = { errorCode: error.code, error: error.message };
  const period = String(error.details["window"] ?? "always");
  const first = await deps.store
    .firstLimitNotice({ sender: turn.sender, reason: error.code, period }, deps.clock.now())
    .catch((storeError: unknown) => {
      deps.logger.warn("could not note a WhatsApp limit notice", { error: String(storeError) });
      return true; // better told twice than never
    });
  return { ...notice(first ? capitalised(error.message) : ""), ...problem };
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** sendMessage refused before anything was generated: tell the sender in words they can act on. */
function refused(deps: WhatsAppDeps, turn: ModelTurn, error: unknown): WhatsAppReply {
  if (!(error instanceof DomainError)) {
    deps.logger.error("sendMessage failed unexpectedly for a WhatsApp message", {
      messageSid: turn.messageSid,
      error: error instanceof Error ? error.stack : String(error),
    });
    return failure(error);
  }
  const problem = { errorCode: error.code, error: error.message };
  switch (error.code) {
    case "reply.in_progress":
      // The chat is answering a message sent by another channel under the same user id.
      return { ...notice(whatsAppTexts.busy), ...problem };
    case "message.empty":
    case "message.too_long":
    case "message.exceeds_context":
      return { ...notice(whatsAppTexts.tooLong), ...problem };
    case "service.shutting_down":
      return { text: whatsAppTexts.restarted, status: "interrupted", ...problem };
    case "server.overloaded":
      // This process streams as many replies as it holds: the apology asks to try again in a moment.
      return failure(error);
    default:
      return failure(error);
  }
}
