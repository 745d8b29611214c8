/**
 * `POST /webhooks/twilio/whatsapp`: where Twilio delivers WhatsApp messages (a form post). The request
 * must carry Twilio's signature over the public URL and every parameter; anything else is 403 before
 * anything is recorded. A signed message is recorded (once per MessageSid) and Twilio gets an empty TwiML
 * response at once — well inside its 15 s limit — while the answer is generated and sent through the
 * Messages API in the background.
 */
import type { Logger } from "../../application/ports.js";
import type { InboundWhatsAppMessage } from "../../application/whatsapp/whatsapp-ports.js";
import { isValidTwilioSignature, type TwilioParams } from "../twilio/twilio-signature.js";
import { truncate } from "@parley/log-line";
import { httpError, toHttpError } from "./http-errors.js";
import { readBody, sendError, sendText, type HttpRequest, type HttpResponse } from "./http-io.js";
import { createRateLimitedWarn, type RateLimitedLogOptions } from "@parley/log-line";

/** Where the webhook is served. */
export const whatsAppWebhookPath = "/webhooks/twilio/whatsapp";

/** Twilio's messaging webhooks are a few KiB at most (a 1600-character body, up to 10 media URLs). */
export const maxWebhookBytes = 64 * 1024;

const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const whatsAppAddress = /^whatsapp:\+[1-9]\d{1,14}$/;
/** How much of a refused request's URL is logged: enough to compare with PUBLIC_BASE_URL. */
const maxLoggedUrlLength = 200;

export interface TwilioWhatsAppWebhookDeps {
  /** Records the message and answers it in the background (the application's WhatsAppInbox). */
  receive(message: InboundWhatsAppMessage): Promise<"accepted" | "duplicate">;
  /** The key of the signature. */
  authToken: string;
  /** The public URL Twilio calls, without the path; the request's path and query are appended to it. */
  publicBaseUrl: string;
  logger: Logger;
  /** How often refusals are logged (at most one line per reason per interval, with a count). */
  refusalLog?: RateLimitedLogOptions;
}

export function createTwilioWhatsAppWebhook(deps: TwilioWhatsAppWebhookDeps) {
  // Anyone can send refused requests as fast as they like: their lines are rate-limited and bounded.
  const logRefusal = createRateLimitedWarn(deps.logger.warn.bind(deps.logger), deps.refusalLog);
  return async (request: HttpRequest, response: HttpResponse): Promise<void> => {
    if (request.method !== "POST")
      return sendError(response, httpError(405, "method.not_allowed", "use POST"));
    const signature = request.headers["x-twilio-signature"];
    if (typeof signature !== "string" || signature.length === 0) return forbidden(response);
    const body = await readBody(request, maxWebhookBytes);
    if (!Buffer.isBuffer(body)) return sendError(response, body);

    const params = formParams(body);
    const url = deps.publicBaseUrl + (request.url ?? "");
    if (!isValidTwilioSignature(deps.authToken, signature, url, params)) {
      // The URL checked, to spot a PUBLIC_BASE_URL that is not what Twilio calls; not the parameters,
      // which are whatever an unauthenticated caller chose.
      logRefusal(
        "signature.invalid",
        "refused a WhatsApp webhook with a wrong signature (is PUBLIC_BASE_URL exact?)",
        { url: truncate(url, maxLoggedUrlLength) },
      );
      return forbidden(response);
    }

    const message = inboundMessage(params);
    if (!message) {
      return sendError(
        response,
        httpError(400, "argument.invalid", "expected an inbound WhatsApp message (MessageSid, From)"),
      );
    }
    try {
      await deps.receive(message);
    } catch (error) {
      return sendError(response, toHttpError(error, deps.logger));
    }
    sendText(response, 200, "text/xml; charset=utf-8", emptyTwiml);
  };
}

/** The form's parameters; a name sent twice keeps both values (they are all signed). */
function formParams(body: Buffer): Record<string, string[]> {
  // No prototype: a field named `constructor` or `__proto__` is a field like any other.
  const params = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of new URLSearchParams(body.toString("utf8"))) (params[name] ??= []).push(value);
  return params;
}

function inboundMessage(params: TwilioParams): InboundWhatsAppMessage | undefined {
  const first = (name: string) => {
    const value = params[name];
    return typeof value === "string" ? value : value?.[0];
  };
  const messageSid = first("MessageSid");
  const from = first("From");
  if (!messageSid || messageSid.length > 64 || !from || !whatsAppAddress.test(from)) return undefined;
  const mediaCount = Number.parseInt(first("NumMedia") ?? "0", 10);
  return {
    messageSid,
    from,
    body: first("Body") ?? "",
    mediaCount: Number.isNaN(mediaCount) ? 0 : mediaCount,
  };
}

function forbidden(response: HttpResponse): void {
  sendError(response, httpError(403, "signature.invalid", "missing or wrong X-Twilio-Signature"));
}
