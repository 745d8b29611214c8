/**
 * The WhatsAppSender port over Twilio's Messages API, with plain fetch (the `twilio` SDK would bring a
 * whole HTTP stack for one request): `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, basic auth
 * with the account SID and auth token, a form body `From`, `To`, `Body`.
 *
 * Retried, a bounded number of times with exponential backoff and jitter, honouring `Retry-After`:
 * 429, 5xx and failures to get any answer. Not retried: every other error, e.g. 21617 (body too long) or
 * 63016 (outside the 24-hour window), which the same request can never fix.
 */
import type { Logger } from "../../application/ports.js";
import type {
  OutboundWhatsAppMessage,
  SendResult,
  WhatsAppSender,
} from "../../application/whatsapp/whatsapp-ports.js";
import { requestedDelayMs } from "../retry-after.js";

export interface TwilioMessagesApiOptions {
  accountSid: string;
  authToken: string;
  /** Default `https://api.twilio.com`; tests point it at a local fake. */
  baseUrl?: string;
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** The first retry's delay; it doubles for each further one (with up to 25% jitter). Default 500 ms. */
  backoffMs?: number;
  /** A `Retry-After` longer than this ends the retries instead of parking the answer. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Per request: without an answer by then the attempt failed. Default 15 s. */
  timeoutMs?: number;
  logger: Logger;
}

/** One attempt's result: sent, failed for good, or worth another try (after `delayMs` if Twilio said). */
type Attempt =
  | { kind: "sent"; id: string }
  | { kind: "failed"; code: string | null; error: string }
  | { kind: "retry"; code: string | null; error: string; delayMs: number | undefined };

export function createTwilioMessagesApi(options: TwilioMessagesApiOptions): WhatsAppSender {
  const base = (options.baseUrl ?? "https://api.twilio.com").replace(/\/+$/, "");
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
  const maxRetries = options.maxRetries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function attempt(message: OutboundWhatsAppMessage): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { authorization, accept: "application/json" },
        body: new URLSearchParams({ From: message.from, To: message.to, Body: message.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // No answer: most likely never sent. Retrying risks a duplicate part, which beats a missing one.
      return {
        kind: "retry",
        code: null,
        error: `Twilio unreachable: ${describe(error)}`,
        delayMs: undefined,
      };
    }
    const body = (await response.json().catch(() => null)) as TwilioBody | null;
    if (response.ok) return { kind: "sent", id: typeof body?.sid === "string" ? body.sid : "" };
    const code = body?.code === undefined || body.code === null ? null : String(body.code);
    const error = `Twilio ${response.status}${code ? ` (${code})` : ""}: ${String(body?.message ?? response.statusText)}`;
    if (response.status === 429 || response.status >= 500) {
      return { kind: "retry", code, error, delayMs: requestedDelayMs(response.headers) };
    }
    return { kind: "failed", code, error };
  }

  return {
    async send(message, signal) {
      for (let retry = 0; ; retry++) {
        const result = await attempt(message);
        if (result.kind === "sent") return { ok: true, id: result.id };
        const failed: SendResult = { ok: false, code: result.code, error: result.error };
        if (result.kind === "failed" || retry >= maxRetries || signal?.aborted) return failed;
        const delayMs = result.delayMs ?? backoffMs * 2 ** retry * (1 + Math.random() / 4);
        if (delayMs > maxRetryAfterMs) return failed;
        options.logger.warn("retrying a WhatsApp message Twilio did not take", {
          to: message.to,
          error: result.error,
          retry: retry + 1,
          delayMs: Math.round(delayMs),
        });
        if (!(await sleep(delayMs, signal))) return failed;
      }
    },
  };
}

/** What Twilio's error responses carry (and `sid` on success). */
interface TwilioBody {
  sid?: unknown;
  code?: unknown;
  message?: unknown;
}

/** Waits; false when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (slept: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
      resolve(slept);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), Math.max(0, ms));
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}
