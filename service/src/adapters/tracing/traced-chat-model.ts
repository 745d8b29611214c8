/**
 * The upstream request as a span, with the OpenTelemetry GenAI semantic conventions: the requested
 * model and limits, the finish reason and token usage, and the first token as a span event (its time is
 * the time to first token). No prompt or reply text is recorded.
 */
import { context, SpanKind, trace } from "@opentelemetry/api";
import type { ChatModel } from "../../application/replies/chat-model.js";
import { failSpan, tracer } from "./tracer.js";

export function traceChatModel(model: ChatModel, system = "openai"): ChatModel {
  return {
    async *stream(request, signal) {
      const span = tracer.startSpan(`chat ${request.model}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.system": system,
          "gen_ai.request.model": request.model,
          "gen_ai.request.max_tokens": request.maxOutputTokens,
          "gen_ai.request.temperature": request.temperature,
        },
      });
      let firstToken = true;
      // The span is current while the adapter works: what it logs carries the span's ids.
      const active = trace.setSpan(context.active(), span);
      const events = context.with(active, () => model.stream(request, signal)[Symbol.asyncIterator]());
      try {
        for (;;) {
          const step = await context.with(active, () => events.next());
          if (step.done) break;
          const event = step.value;
          if (event.type === "delta" && firstToken) {
            firstToken = false;
            span.addEvent("gen_ai.first_token");
          } else if (event.type === "finish") {
            span.setAttribute("gen_ai.response.finish_reasons", [event.reason]);
          } else if (event.type === "usage") {
            span.setAttributes({
              "gen_ai.usage.input_tokens": event.usage.promptTokens,
              "gen_ai.usage.output_tokens": event.usage.completionTokens,
            });
          }
          yield event;
        }
      } catch (error) {
        if (signal.aborted) span.setAttribute("parley.aborted", true);
        else failSpan(span, error);
        throw error;
      } finally {
        await context.with(active, async () => events.return?.());
        span.end();
      }
    },
  };
}
