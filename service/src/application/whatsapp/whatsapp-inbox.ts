/**
 * The WhatsApp messages this process is answering: it takes new ones (answerWhatsAppMessage), keeps track
 * of the answers in flight, and drains them on shutdown so none is dropped silently.
 */
import { shuttingDown } from "../../domain/errors.js";
import { answerWhatsAppMessage } from "./answer-whatsapp-message.js";
import type { WhatsAppDeps } from "./whatsapp-ports.js";
import type { InboundWhatsAppMessage } from "./whatsapp-ports.js";

export class WhatsAppInbox {
  /** Answers in flight, by the MessageSid of the turn each holds. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Aborted when draining: sends stop waiting to retry. */
  private readonly draining = new AbortController();
  private accepting = true;

  constructor(private readonly deps: WhatsAppDeps) {}

  /**
   * Records a message and answers it in the background; resolves once it is recorded. Throws
   * `service.shutting_down` once shutdown began (so Twilio's fallback or a redelivery can reach another
   * instance: nothing was recorded) and `storage.unavailable` when the store is down.
   */
  async receive(message: InboundWhatsAppMessage): Promise<"accepted" | "duplicate"> {
    if (!this.accepting) throw shuttingDown();
    const receipt = await answerWhatsAppMessage(this.deps, message, this.draining.signal);
    if (receipt.duplicate) return "duplicate";
    const answered = receipt.answered;
    this.inFlight.set(message.messageSid, answered);
    void answered.finally(() => this.inFlight.delete(message.messageSid));
    return "accepted";
  }

  /** The turns being answered (held under this process's lease), by MessageSid. */
  heldTurns(): string[] {
    return [...this.inFlight.keys()];
  }

  /** Resolves once no answer is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  /** New messages are refused from now on; answers in flight go on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * For the end of shutdown, after the replies were finished or interrupted: sends stop retrying and the
   * answers in flight get up to `timeoutMs` to be sent and recorded. Whatever is still unrecorded then is
   * marked `interrupted` by the next start-up.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    this.draining.abort();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.idle(), timeout]);
    clearTimeout(timer);
  }
}
