/**
 * The web app's Prometheus metrics: reply streams (SSE) open, resumes, the BFF's time to first delta,
 * tRPC calls by procedure and code, sign-in failures and lockouts. One set per process, kept on
 * `globalThis`: Next's bundles and the Node server (server.ts) load this module separately, and both must
 * count into, and expose, the same registry. Labels are bounded: procedure paths of the router, tRPC code
 * names, fixed kinds; never a user, chat or address.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

function createWebMetrics() {
  const registry = new Registry();
  const registers = [registry];
  let processMetrics = false;
  return {
    registry,
    /** Node's process metrics (CPU, memory, event-loop delay); turned on with the metrics endpoint. */
    collectProcessMetrics(): void {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
    replyStreamsOpen: new Gauge({
      name: "parley_web_reply_streams_open",
      help: "Reply streams (tRPC subscriptions over SSE) open from browsers to the BFF now.",
      registers,
    }),
    resumes: new Counter({
      name: "parley_web_reply_resumes_total",
      help: "Reply streams that resumed a reply (a reconnect with Last-Event-ID, or a reloaded page).",
      registers,
    }),
    timeToFirstDelta: new Histogram({
      name: "parley_web_time_to_first_delta_seconds",
      help: "From a new message reaching the BFF to its first delta leaving for the browser.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    trpcCalls: new Counter({
      name: "parley_web_trpc_requests_total",
      help: "tRPC calls by procedure (router path), type and code (OK or the tRPC error code).",
      labelNames: ["procedure", "type", "code"] as const,
      registers,
    }),
    signInFailures: new Counter({
      name: "parley_web_sign_in_failures_total",
      help: "Email sign-ins refused for a wrong email or password.",
      registers,
    }),
    signInLockouts: new Counter({
      name: "parley_web_sign_in_lockouts_total",
      help: "Email sign-ins refused by a limit, by what was limited (account, address).",
      labelNames: ["by"] as const,
      registers,
    }),
  };
}

export type WebMetrics = ReturnType<typeof createWebMetrics>;

const holder = globalThis as typeof globalThis & { parleyWebMetrics?: WebMetrics };

/** This process's web metrics. */
export function webMetrics(): WebMetrics {
  return (holder.parleyWebMetrics ??= createWebMetrics());
}
