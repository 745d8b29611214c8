/**
 * answerWhatsAppMessage: someone wrote to us on WhatsApp and wants an answer there. The message is
 * recorded once per MessageSid (a redelivery is a no-op), then answered in the background — the model's
 * answer through sendMessage, or a fixed text for commands, media and a busy sender — and the answer is
 * sent in parts of at most 1600 characters, in order. How the turn ended is stored on it.
 *
 * One answer at a time per sender: a message that arrives while their previous answer is still being
 * generated or sent gets a short "still working on it" reply and no model call (it is not queued: a
 * queue would answer questions the sender may have rephrased or dropped meanwhile).
 */
import { splitIntoParts } from "../../domain/message-parts.js";
import { readWhatsAppRequest, whatsAppTexts, type WhatsAppRequest } from "../../domain/whatsapp-commands.js";
import { askModelOnWhatsApp } from "./ask-model-on-whatsapp.js";
import { failure, notice, type WhatsAppReply } from "./whatsapp-replies.js";
import type {
  InboundWhatsAppMessage,
  NewWhatsAppTurn,
  RecordedTurn,
  SendResult,
  WhatsAppDeps,
} from "./whatsapp-ports.js";

/** A duplicate was already handled; otherwise `answered` settles once the reply was sent and recorded. */
export type WhatsAppReceipt = { duplicate: true } | { duplicate: false; answered: Promise<void> };

/**
 * Records the message and starts answering it; resolves as soon as it is recorded (the webhook must
 * answer Twilio within 15 s, and a model may take longer). `signal` aborts at shutdown: sends then stop
 * waiting to retry. Storage failures reject, so the webhook can report them; `answered` never rejects.
 */
export async function answerWhatsAppMessage(
  deps: WhatsAppDeps,
  message: InboundWhatsAppMessage,
  signal?: AbortSignal,
): Promise<WhatsAppReceipt> {
  const request = readWhatsAppRequest(message.body);
  const now = deps.clock.now();
  const lease = deps.lease(now);
  const recorded = await deps.store.recordTurn({
    messageSid: message.messageSid,
    sender: message.from,
    kind: turnKind(request),
    lease,
    now,
  });
  if (recorded.duplicate) return { duplicate: true };
  const logFailure = (error: unknown) =>
    deps.logger.error("a WhatsApp message could not be answered", {
      messageSid: message.messageSid,
      error: error instanceof Error ? error.stack : String(error),
    });
  const answered = replyTo(deps, message, request, recorded)
    // The sender still hears back, and the turn still ends (an unfinished one would keep them busy).
    .catch((error: unknown) => {
      logFailure(error);
      return failure(error);
    })
    .then((reply) => deliver(deps, message, reply, lease.owner, signal))
    .catch(logFailure);
  return { duplicate: false, answered };
}

async function replyTo(
  deps: WhatsAppDeps,
  message: InboundWhatsAppMessage,
  request: WhatsAppRequest,
  recorded: Extract<RecordedTurn, { duplicate: false }>,
): Promise<WhatsAppReply> {
  if (recorded.kind === "busy") return notice(whatsAppTexts.busy);
  const turn = { messageSid: message.messageSid, sender: message.from };
  switch (request.kind) {
    case "chat": {
      const reply = await askModelOnWhatsApp(deps, { ...turn, text: request.text, chatId: recorded.chatId });
      // A caption with a picture: the model never saw the picture, so say so before its answer.
      if (message.mediaCount === 0) return reply;
      return { ...reply, text: `${whatsAppTexts.attachmentIgnored}\n\n${reply.text}` };
    }
    case "new":
      await deps.store.leaveChat(message.from, deps.clock.now());
      if (!request.text) return notice(whatsAppTexts.newChat);
      return askModelOnWhatsApp(deps, { ...turn, text: request.text, chatId: null });
    case "retry":
      // The sender's current chat's latest answer, written again beside the old one (kept for the web).
      if (recorded.chatId === null) return notice(whatsAppTexts.nothingToRetry);
      return askModelOnWhatsApp(deps, { ...turn, text: "", chatId: recorded.chatId, regenerate: true });
    case "stop":
      return stop(deps, message.from);
    case "help":
      return notice(whatsAppTexts.help);
    case "unknown-command":
      return notice(whatsAppTexts.unknownCommand(request.name));
    case "no-text":
      return notice(whatsAppTexts.noText);
  }
}

/** Stops the sender's answer in progress. Its own delivery, ending "(stopped)", is the confirmation. */
async function stop(deps: WhatsAppDeps, sender: string): Promise<WhatsAppReply> {
  const replyId = await deps.store.answeringReply(sender, deps.clock.now());
  if (replyId === null) return notice(whatsAppTexts.nothingToStop);
  await deps.useCases.stopReply({ replyId, userId: sender });
  return notice("");
}

/**
 * Sends the reply's parts one after the other, each only once the previous one was accepted, so they
 * arrive in order. After a part fails for good the rest are not sent: a gap in an answer misleads more
 * than a missing ending, and the failure is logged and stored on the turn.
 */
async function deliver(
  deps: WhatsAppDeps,
  message: InboundWhatsAppMessage,
  reply: WhatsAppReply,
  owner: string,
  signal?: AbortSignal,
): Promise<void> {
  let partsSent = 0;
  let failure: Extract<SendResult, { ok: false }> | null = null;
  for (const body of splitIntoParts(reply.text)) {
    const sent = await deps.sender.send({ from: deps.from, to: message.from, body }, signal);
    if (!sent.ok) {
      failure = sent;
      break;
    }
    partsSent++;
  }
  if (failure) {
    deps.logger.warn("a WhatsApp reply could not be sent", {
      messageSid: message.messageSid,
      partsSent,
      code: failure.code,
      error: failure.error,
    });
  }
  const { text: _text, ...outcome } = reply;
  const recorded = await deps.store.finishTurn(message.messageSid, {
    owner,
    ...(failure ? { status: "failed", errorCode: failure.code, error: failure.error } : outcome),
    partsSent,
    now: deps.clock.now(),
  });
  if (!recorded) {
    deps.logger.warn("a WhatsApp turn had been ended elsewhere (its lease ran out)", {
      messageSid: message.messageSid,
    });
  }
}

/** Text for the model claims the sender (`/new` with text and `/retry` too); the rest answers at once. */
function turnKind(request: WhatsAppRequest): NewWhatsAppTurn["kind"] {
  if (request.kind === "chat" || request.kind === "retry" || (request.kind === "new" && request.text))
    return "chat";
  return request.kind === "no-text" ? "no-text" : "command";
}
