/** The reply the WhatsApp channel works out for a message before sending it, and its two fixed kinds. */
import { DomainError } from "../../domain/errors.js";
import { whatsAppTexts } from "../../domain/whatsapp-commands.js";
import type { WhatsAppTurnOutcome } from "./whatsapp-ports.js";

/** What to send back for a turn (split into parts when long), and how the turn ends once it is sent. */
export type WhatsAppReply = Omit<WhatsAppTurnOutcome, "owner" | "partsSent" | "now"> & { text: string };

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
