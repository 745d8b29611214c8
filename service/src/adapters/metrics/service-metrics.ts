/**
 * Parley's Prometheus metrics (prom-client), in one registry per process. Every label is bounded: models
 * are the configured ones or "other", statuses and codes come from closed sets, RPC methods from the
 * served services; no user id, chat id or text is ever a label.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface ServiceMetricsOptions {
  /** The models that get their own label value; any other model is counted as "other". */
  models: readonly string[];
  /** Node's process metrics (CPU, memory, event-loop delay, GC); default true. */
  processMetrics?: boolean;
}

/** Seconds: a token within 50 ms (a local model) to half a minute (a queued upstream). */
const firstTokenBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const durationBuckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const queryBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** What the gauges show, read when scraped. */
export interface GaugeSources {
  liveReplies: () => number;
  watchers: () => number;
  pool: () => { busy: number; idle: number; queued: number };
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;

export function createServiceMetrics(options: ServiceMetricsOptions) {
  const registry = new Registry();
  const registers = [registry];
  const known = new Set(options.models);
  /** Where the gauges read their values at scrape time; wired by instrumentParley and the database. */
  const sources: GaugeSources = {
    liveReplies: () => 0,
    watchers: () => 0,
    pool: () => ({ busy: 0, idle: 0, queued: 0 }),
  };
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    sources,
    /** The label value of `model`: itself when configured, else "other". */
    modelLabel: (model: string): string => (known.has(model) ? model : "other"),
    timeToFirstToken: new Histogram({
      name: "parley_reply_time_to_first_token_seconds",
      help: "From the start of a reply to its first text delta, by model and terminal status.",
      labelNames: ["model", "status"] as const,
      buckets: firstTokenBuckets,
      registers,
    }),
    replyDuration: new Histogram({
      name: "parley_reply_duration_seconds",
      help: "From the start of a reply to its end, by model and terminal status.",
      labelNames: ["model", "status"] as const,
      buckets: durationBuckets,
      registers,
    }),
    replies: new Counter({
      name: "parley_replies_total",
      help: "Replies ended, by model and terminal status (complete, stopped, incomplete, interrupted, failed).",
      labelNames: ["model", "status"] as const,
      registers,
    }),
    deltas: new Counter({
      name: "parley_reply_deltas_total",
      help: "Text deltas received from the model, by model.",
      labelNames: ["model"] as const,
      registers,
    }),
    tokens: new Counter({
      name: "parley_reply_tokens_total",
      help: "Tokens of ended replies, by model, kind (prompt, completion) and source (provider, estimate).",
      labelNames: ["model", "kind", "source"] as const,
      registers,
    }),
    liveReplies: new Gauge({
      name: "parley_replies_live",
      help: "Replies this process is generating now.",
      registers,
      collect() {
        this.set(sources.liveReplies());
      },
    }),
    watchers: new Gauge({
      name: "parley_reply_watchers",
      help: "Callers of this process watching live replies now.",
      registers,
      collect() {
        this.set(sources.watchers());
      },
    }),
    upstreamErrors: new Counter({
      name: "parley_upstream_errors_total",
      help: "Model streams that failed, by kind (429, 5xx, 4xx, auth, stall, connection, reset, other).",
      labelNames: ["kind"] as const,
      registers,
    }),
    upstreamAttempts: new Counter({
      name: "parley_upstream_attempts_total",
      help: "HTTP attempts to the model's API, by outcome (2xx, 4xx, 429, 5xx, error).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    upstreamRetries: new Counter({
      name: "parley_upstream_retries_total",
      help: "HTTP attempts to the model's API that retried an earlier one.",
      registers,
    }),
    rpcs: new Counter({
      name: "parley_rpc_requests_total",
      help: "RPCs handled, by method (service/method) and Connect code name (ok when none).",
      labelNames: ["method", "code"] as const,
      registers,
    }),
    limitsHit: new Counter({
      name: "parley_limits_hit_total",
      help: "Requests refused by a per-user limit, by limit (concurrent_replies, rate, daily_tokens...).",
      labelNames: ["limit"] as const,
      registers,
    }),
    titles: new Counter({
      name: "parley_titles_total",
      help: "Chat titles the model was asked for, by outcome (written, kept: the chat was renamed meanwhile or the answer was empty, failed, skipped: too many at once).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    searchDuration: new Histogram({
      name: "parley_search_duration_seconds",
      help: "Chat searches, from the request to its page of results, by outcome (ok, error).",
      labelNames: ["outcome"] as const,
      buckets: queryBuckets,
      registers,
    }),
    imports: new Counter({
      name: "parley_imports_total",
      help: "Import files, by source (parley, chatgpt, unknown when unreadable) and outcome (ok, or the error: import_invalid, import_busy, other).",
      labelNames: ["source", "outcome"] as const,
      registers,
    }),
    importedChats: new Counter({
      name: "parley_imported_chats_total",
      help: "Chats in import files, by source (parley, chatgpt) and outcome (imported, already_imported, skipped_empty).",
      labelNames: ["source", "outcome"] as const,
      registers,
    }),
    queryDuration: new Histogram({
      name: "parley_db_query_duration_seconds",
      help: "Database statements, from sending to the last row, by operation (select, insert, update, delete, other).",
      labelNames: ["operation"] as const,
      buckets: queryBuckets,
      registers,
    }),
    poolWaits: new Counter({
      name: "parley_db_pool_waits_total",
      help: "Database requests that had to wait for a free pooled connection.",
      registers,
    }),
    poolConnections: new Gauge({
      name: "parley_db_pool_connections",
      help: "Pooled database connections, by state (busy, idle), and requests queued for one (queued).",
      labelNames: ["state"] as const,
      registers,
      collect() {
        for (const [state, count] of Object.entries(sources.pool())) this.set({ state }, count);
      },
    }),
  };
}
