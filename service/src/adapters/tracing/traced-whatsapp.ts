/** WhatsApp as spans: each incoming webhook (the trace's root), and each message sent through Twilio. */
import { context, SpanKind, trace } from "@opentelemetry/api";
import type { WhatsAppSender } from "../../application/whatsapp/whatsapp-ports.js";
import { failSpan, tracer } from "./tracer.js";

type Handler<A extends unknown[]> = (...args: A) => void | Promise<void>;

/** The webhook's handling as a server span; work it starts (the reply, the sends) continues its trace. */
export function traceWebhook<A extends unknown[]>(
  name: string,
  handle: Handler<A>,
): (...args: A) => Promise<void> {
  return (...args) => {
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER });
    return context.with(trace.setSpan(context.active(), span), async () => {
      try {
        await handle(...args);
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };
}

export function traceWhatsAppSender(sender: WhatsAppSender): WhatsAppSender {
  return {
    send: (message, signal) =>
      tracer.startActiveSpan("twilio send", { kind: SpanKind.CLIENT }, async (span) => {
        try {
          const result = await sender.send(message, signal);
          span.setAttribute("parley.whatsapp.sent", result.ok);
          return result;
        } finally {
          span.end();
        }
      }),
  };
}
