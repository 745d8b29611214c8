/**
 * Reply metrics from two vantage points that share the request object: a ChatModel decorator sees the
 * model's stream (first delta, deltas, failures by kind) and the hub's ReplyObserver sees each reply's
 * start and terminal status. Time to first token is recorded at the end, so it carries the status too.
 */
import type { ChatModel, ModelEvent, ModelRequest } from "../../application/replies/chat-model.js";
import type { ReplyObserver } from "../../application/replies/reply-observer.js";
import { DomainError } from "../../domain/errors.js";
import type { ServiceMetrics } from "./service-metrics.js";

interface ReplyTiming {
  startedAt: number;
  firstTokenAt: number | null;
}

export interface ReplyMetrics {
  observer: ReplyObserver;
  /** `model`, reporting its streams to the metrics. */
  observe(model: ChatModel): ChatModel;
}

export function createReplyMetrics(metrics: ServiceMetrics, now = () => performance.now()): ReplyMetrics {
  const timings = new WeakMap<ModelRequest, ReplyTiming>();
  const observer: ReplyObserver = {
    replyStarted(request) {
      timings.set(request, { startedAt: now(), firstTokenAt: null });
    },
    replyEnded(request, finished) {
      const labels = { model: metrics.modelLabel(request.model), status: finished.status };
      metrics.replies.inc(labels);
      const timing = timings.get(request);
      if (!timing) return;
      metrics.replyDuration.observe(labels, (now() - timing.startedAt) / 1000);
      if (timing.firstTokenAt !== null)
        metrics.timeToFirstToken.observe(labels, (timing.firstTokenAt - timing.startedAt) / 1000);
    },
  };
  return {
    observer,
    observe(model) {
      return { stream: (request, signal) => observedStream(model, request, signal) };
    },
  };

  /**
   * The model's stream, seen without an async generator (which would add several microtask hops per
   * event): one reaction per event notes the first delta and counts deltas, added to the counter once
   * when the stream ends, however it ends (done, failed, or left by its consumer).
   */
  function observedStream(model: ChatModel, request: ModelRequest, signal: AbortSignal) {
    return {
      [Symbol.asyncIterator](): AsyncIterator<ModelEvent> {
        const source = model.stream(request, signal)[Symbol.asyncIterator]();
        let deltas = 0;
        let over = false;
        const end = () => {
          if (over) return;
          over = true;
          if (deltas > 0) metrics.deltas.inc({ model: metrics.modelLabel(request.model) }, deltas);
        };
        const seen = (result: IteratorResult<ModelEvent>) => {
          if (result.done) end();
          else if (result.value.type === "delta" && deltas++ === 0) {
            // Looked up here, not before: the hub reports the start just after the job began streaming.
            const timing = timings.get(request);
            if (timing && timing.firstTokenAt === null) timing.firstTokenAt = now();
          }
          return result;
        };
        const failed = (error: unknown): never => {
          end();
          if (!signal.aborted) metrics.upstreamErrors.inc({ kind: upstreamErrorKind(error) });
          throw error;
        };
        return {
          next: () => source.next().then(seen, failed),
          return: async (value?: unknown) => {
            end();
            return source.return ? source.return(value) : { done: true, value: undefined };
          },
        };
      },
    };
  }
}

/** The kind of a model failure, from the port's DomainError codes and details (closed set). */
export function upstreamErrorKind(error: unknown): string {
  if (!(error instanceof DomainError)) return "other";
  const status = error.details["status"];
  if (typeof status === "number") {
    if (status === 429) return "429";
    if (status >= 500) return "5xx";
    if (status === 401 || status === 403 || status === 404) return "auth";
    return "4xx";
  }
  if (error.details["idleTimeoutMs"] !== undefined) return "stall";
  if (error.code === "upstream.interrupted") return "reset";
  if (error.code === "upstream.unavailable") return "connection";
  return "other";
}
