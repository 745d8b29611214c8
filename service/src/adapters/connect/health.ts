// grpc.health.v1.Health on Connect (connect-node ships none). Semantics follow grpc/grpc's
// doc/health-checking.md: "" is the whole server, an unknown service is NOT_FOUND for Check and
// SERVICE_UNKNOWN (stream kept open) for Watch, and shutdown flips everything to NOT_SERVING for good.
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Proto,
  type HealthCheckRequest,
} from "@parley/gen/grpc/health/v1/health_pb";
import { connectionOf } from "./connection-context.js";
import { createReadinessProbe, type ReadinessOptions } from "./readiness-probe.js";

/** A status the server sets for a service; the protocol's UNKNOWN and SERVICE_UNKNOWN are derived. */
export type ServingStatus = "SERVING" | "NOT_SERVING";

/** Options for {@link createHealthService}. */
export interface HealthServiceOptions {
  /** Services reported SERVING from the start, besides "" (the whole server, always known). */
  services?: Iterable<string>;
  /**
   * Asked by Check and Watch for "" while the server is SERVING, e.g. a database ping: false, a rejection
   * or no answer within its timeout reports NOT_SERVING. Answers are cached briefly.
   */
  readiness?: ReadinessOptions;
  /** Watch needs no token and never ends on its own: caps on open watches, in all and per connection. */
  watchLimits?: HealthWatchLimits;
}

export interface HealthWatchLimits {
  maxHealthWatches: number;
  maxHealthWatchesPerConnection: number;
}

export const defaultHealthWatchLimits: HealthWatchLimits = {
  maxHealthWatches: 1_000,
  maxHealthWatchesPerConnection: 16,
};

/** The health service's state, and the means to serve it. */
export interface HealthService {
  /** Registers grpc.health.v1.Health on a router (a `routes` function for connectNodeAdapter). */
  register(router: ConnectRouter): void;
  /** Sets a service's status ("" for the whole server); a new name becomes known. Ignored after shutdown. */
  setStatus(service: string, status: ServingStatus): void;
  /** Flips every service to NOT_SERVING, permanently: the first step of a graceful shutdown. */
  shutdown(): void;
  /** How many Watch streams are open (for metrics, and to prove that none leak). */
  readonly watchers: number;
}

/** The most services List answers with, as the proto specifies. */
const listLimit = 100;

/** Creates a health service: "" and `options.services` start SERVING. */
export function createHealthService(options: HealthServiceOptions = {}): HealthService {
  const statuses = new Map<string, ServingStatus>([["", "SERVING"]]);
  for (const name of options.services ?? []) statuses.set(name, "SERVING");
  const probe = options.readiness && createReadinessProbe(options.readiness);
  const waiters = new Set<() => void>();
  let down = false;
  let watching = 0;
  const watchesPerConnection = new Map<object | undefined, number>();
  const limits = options.watchLimits ?? defaultHealthWatchLimits;

  const notify = () => [...waiters].forEach((wake) => wake());

  /** The status a client sees, or undefined for an unknown service. */
  async function current(service: string): Promise<Proto | undefined> {
    const status = statuses.get(service);
    if (status === undefined) return undefined;
    if (status === "SERVING" && service === "" && probe && !(await probe.ready())) return Proto.NOT_SERVING;
    return status === "SERVING" ? Proto.SERVING : Proto.NOT_SERVING;
  }

  /** Resolves at the next status change, when `signal` aborts, or after `timeoutMs`; never leaks a listener. */
  function nextChange(signal: AbortSignal, timeoutMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(wake, timeoutMs);
      waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
      if (signal.aborted) wake();
    });
  }

  async function check(request: HealthCheckRequest) {
    const status = await current(request.service);
    if (status === undefined) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
    return { status };
  }

  async function list() {
    if (statuses.size > listLimit) {
      throw new ConnectError(`more than ${listLimit} services`, Code.ResourceExhausted);
    }
    const entries = await Promise.all(
      [...statuses.keys()].map(async (name) => [name, { status: await current(name) }] as const),
    );
    return { statuses: Object.fromEntries(entries) };
  }

  /** Counts a new watch on `connection`, or refuses it when a cap is reached. */
  function admitWatch(connection: object | undefined): void {
    const onConnection = watchesPerConnection.get(connection) ?? 0;
    if (watching >= limits.maxHealthWatches || onConnection >= limits.maxHealthWatchesPerConnection) {
      throw new ConnectError("too many health watches; use Check, or retry later", Code.ResourceExhausted);
    }
    watching++;
    watchesPerConnection.set(connection, onConnection + 1);
  }

  function releaseWatch(connection: object | undefined): void {
    watching--;
    const left = (watchesPerConnection.get(connection) ?? 1) - 1;
    if (left === 0) watchesPerConnection.delete(connection);
    else watchesPerConnection.set(connection, left);
  }

  async function* watch(request: HealthCheckRequest, ctx: HandlerContext) {
    // Only "" depends on the probe, which nothing notifies about: poll it at the cache's pace.
    const pollMs = request.service === "" ? probe?.cacheMs : undefined;
    let sent: Proto | undefined;
    const connection = connectionOf(ctx);
    admitWatch(connection);
    try {
      while (!ctx.signal.aborted) {
        // Listen before reading, so a change made while we read or yield is not missed.
        const changed = nextChange(ctx.signal, pollMs);
        const status = (await current(request.service)) ?? Proto.SERVICE_UNKNOWN;
        if (status !== sent) {
          sent = status;
          yield { status };
        }
        await changed;
      }
    } finally {
      releaseWatch(connection);
    }
    // The client left or the server is shutting down: end with the signal's reason, not a clean OK.
    ctx.signal.throwIfAborted();
  }

  return {
    register(router) {
      router.service(Health, { check, list, watch });
    },
    setStatus(service, status) {
      if (down || statuses.get(service) === status) return;
      statuses.set(service, status);
      notify();
    },
    shutdown() {
      down = true;
      for (const name of statuses.keys()) statuses.set(name, "NOT_SERVING");
      notify();
    },
    get watchers() {
      return watching;
    },
  };
}
