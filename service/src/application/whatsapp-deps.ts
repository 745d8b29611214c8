/** What the WhatsApp use case needs, and the reply it works out before sending it. */
import { DomainError } from "../domain/errors.js";
import { whatsAppTexts } from "../domain/whatsapp-commands.js";
import type { ChatUseCases } from "./chat-use-cases.js";
import type { Clock, Logger } from "./ports.js";
import type { WhatsAppSender, WhatsAppStore, WhatsAppTurnOutcome } from "./whatsapp-ports.js";

export interface WhatsAppDeps {
  /** The same use cases every channel uses: WhatsApp is one more caller of sendMessage. */
  useCases: Pick<ChatUseCases, "sendMessage" | "stopReply">;
  store: WhatsAppStore;
  sender: WhatsAppSender;
  clock: Clock;
  logger: Logger;
  /** Our WhatsApp sender, `whatsapp:+E164`: replies come from it. */
  from: string;
}

/** What to send back for a turn (split into parts when long), and how the turn ends once it is sent. */
export type WhatsAppReply = Omit<WhatsAppTurnOutcome, "partsSent" | "now"> & { text: string };

/** A fixed text that answers the turn. */
export const notice = (text: string): WhatsAppReply => ({
  text,
  status: "answered",
  errorCode: null,
  error: null,
});

/** Something went wrong before there was an answer: an apology, and the error on the turn. */
export const failure = (error: unknown): WhatsAppReply => ({
  text: whatsAppTexts.failed,
  status: "failed",
  errorCode: error instanceof DomainError ? error.code : null,
  error: error instanceof DomainError ? error.message : "unexpected error",
});
