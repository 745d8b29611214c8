/**
 * The ports of the WhatsApp channel: where inbound messages (turns) are recorded, and how a message is
 * sent. Adapters: MySQL for the store, Twilio's Messages API for the sender.
 */
import type { ChatUseCases } from "../chat-use-cases.js";
import type { Clock, Lease, LeasedStore, Logger } from "../ports.js";

/** An inbound WhatsApp message, already authenticated by the webhook. */
export interface InboundWhatsAppMessage {
  /** The provider's id of the message (Twilio's MessageSid): redeliveries carry the same one. */
  messageSid: string;
  /** The sender, `whatsapp:+E164`. It is their `user_id` in the chat service. */
  from: string;
  body: string;
  /** Pictures, voice notes, documents... attached to it. */
  mediaCount: number;
}

/**
 * - chat: text for the model (it claims the sender: one answer at a time);
 * - busy: text that arrived while the sender's previous answer was in progress;
 * - command: `/help`, `/new` (alone), `/stop` and unknown commands;
 * - no-text: media or anything else without text.
 */
export type WhatsAppTurnKind = "chat" | "busy" | "command" | "no-text";

/** `answering` until the reply was sent (`answered`) or could not be (`failed`, `interrupted`). */
export type WhatsAppTurnStatus = "answering" | "answered" | "failed" | "interrupted";

export interface NewWhatsAppTurn {
  messageSid: string;
  sender: string;
  /** `chat` becomes `busy` when a chat turn of the sender is still answering. */
  kind: Exclude<WhatsAppTurnKind, "busy">;
  /**
   * This process holds the turn while answering it. A chat turn still `answering` under a lease that ran
   * out (its process is gone) no longer blocks its sender, even before a sweeper ends it.
   */
  lease: Lease;
  now: Date;
}

export type RecordedTurn =
  { duplicate: true } | { duplicate: false; kind: WhatsAppTurnKind; chatId: string | null };

export interface WhatsAppTurnOutcome {
  /** The fence: only the turn's owner ends it. */
  owner: string;
  status: Exclude<WhatsAppTurnStatus, "answering">;
  /** Parts of the reply that reached the provider. */
  partsSent: number;
  /** The provider's error code (e.g. Twilio's "63016") or a domain error code; null when none. */
  errorCode: string | null;
  error: string | null;
  now: Date;
}

/**
 * Inbound messages and which chat each sender is in. Failures of the store itself throw
 * DomainError("storage.unavailable").
 */
export interface WhatsAppStore extends LeasedStore {
  /**
   * Records a message once per `messageSid` and returns the sender's current chat. Atomic: of concurrent
   * deliveries of one message exactly one is recorded (the others are `duplicate`), and of two chat
   * messages of one sender only one can be answering (the other is recorded as `busy`).
   */
  recordTurn(turn: NewWhatsAppTurn): Promise<RecordedTurn>;
  /** Notes the chat and reply answering a turn; with `newChat` the chat becomes the sender's current one. */
  replyStarted(
    messageSid: string,
    reply: { sender: string; chatId: string; replyId: string; newChat: boolean; now: Date },
  ): Promise<void>;
  /** Forgets the sender's current chat, so their next message starts a new one (`/new`). */
  leaveChat(sender: string, now: Date): Promise<void>;
  /**
   * Notes that the sender is told about a limit refusal (`reason`) in its `period` (a day, a month, a
   * minute); true only the first time for that sender, reason and period, so they are told once per
   * period, not once per message.
   */
  firstLimitNotice(notice: { sender: string; reason: string; period: string }, now: Date): Promise<boolean>;
  /** The reply being generated for the sender's answering chat turn (lease not run out), if any (`/stop`). */
  answeringReply(sender: string, now: Date): Promise<string | null>;
  /**
   * Stores how a turn ended. Only an `answering` turn of `outcome.owner` changes; false when it was
   * ended already (a sweeper ended it after the lease ran out).
   */
  finishTurn(messageSid: string, outcome: WhatsAppTurnOutcome): Promise<boolean>;
}

export interface OutboundWhatsAppMessage {
  /** Our WhatsApp sender, `whatsapp:+E164`. */
  from: string;
  to: string;
  body: string;
}

/** A send either reached the provider (its id for the message) or failed for good. */
export type SendResult = { ok: true; id: string } | { ok: false; code: string | null; error: string };

/** Sends WhatsApp messages (Twilio's Messages API). */
export interface WhatsAppSender {
  /**
   * Sends one message, retrying what retrying can fix a bounded number of times; never throws. When
   * `signal` aborts (shutdown) it stops waiting to retry and reports the last failure.
   */
  send(message: OutboundWhatsAppMessage, signal?: AbortSignal): Promise<SendResult>;
}

/** What the WhatsApp channel needs. */
export interface WhatsAppDeps {
  /** The same use cases every channel uses: WhatsApp is one more caller of sendMessage. */
  useCases: Pick<ChatUseCases, "sendMessage" | "regenerateReply" | "stopReply">;
  store: WhatsAppStore;
  sender: WhatsAppSender;
  clock: Clock;
  logger: Logger;
  /** Our WhatsApp sender, `whatsapp:+E164`: replies come from it. */
  from: string;
  /** The lease a turn recorded now gets: this process holds it while answering. */
  lease: (now: Date) => Lease;
}
