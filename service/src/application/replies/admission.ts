/**
 * Admission control for new replies (graceful degradation under overload, issue #15 row 13). A process
 * that takes every new send slows every reply it streams; one that refuses new sends beyond what it holds
 * keeps the pace of those it accepted, and a refused client retries elsewhere or a moment later.
 *
 * The signal is the number of live replies this process generates (the hub's), against a configured
 * maximum (MAX_LIVE_REPLIES; 0 = off). Why not event-loop delay: it is exact and deterministic (a given
 * number of streams is what the benchmark's row 3 measures per core, so an operator can size it), it
 * reacts before the loop is saturated rather than after, and it does not refuse because of something
 * else on the machine (a neighbour's load, a garbage collection) that passes on its own.
 *
 * Only a NEW reply is refused: replies already streaming, watches and a retry attaching to its first
 * attempt's reply go on. The refusal is `server.overloaded` (UNAVAILABLE, with a RetryInfo): the
 * server's state, retryable on another instance, distinct from a user's limits (RESOURCE_EXHAUSTED).
 */
import { serverOverloaded } from "../../domain/errors.js";

/** How long a refused client is told to wait: a short reply streams for about this long. */
export const overloadRetryMs = 1_000;

/** What decides: the maximum (0 = off) and the measured signal, injected (the hub's size in production). */
export interface AdmissionPolicy {
  maxLiveReplies: number;
}

/** Whether one more reply may start while `liveReplies` are streaming. */
export function admits(policy: AdmissionPolicy, liveReplies: number): boolean {
  return policy.maxLiveReplies <= 0 || liveReplies < policy.maxLiveReplies;
}

/** Throws `server.overloaded` when a new reply may not start now (nothing has been written or sent yet). */
export function admitNewReply(policy: AdmissionPolicy, liveReplies: number): void {
  if (!admits(policy, liveReplies)) throw serverOverloaded(policy.maxLiveReplies, overloadRetryMs);
}

/**
 * Sends admitted whose reply has not started yet (their turn is being written), per hub: counted with
 * the live replies, so a burst of sends cannot all pass the check before any of their replies starts.
 */
const admitting = new WeakMap<object, number>();

/**
 * One send's seat: `take` admits it (or throws `server.overloaded`) and holds a seat until `release`,
 * which the send calls once it has settled (its reply started, so the hub counts it, or it failed).
 */
export class AdmissionSeat {
  private held = false;

  /** `hub`: whose sends share the count (any object; the process's reply hub). */
  constructor(private readonly hub: object) {}

  take(policy: AdmissionPolicy, liveReplies: number): void {
    if (policy.maxLiveReplies <= 0) return;
    const pending = admitting.get(this.hub) ?? 0;
    admitNewReply(policy, liveReplies + pending);
    admitting.set(this.hub, pending + 1);
    this.held = true;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    admitting.set(this.hub, Math.max(0, (admitting.get(this.hub) ?? 1) - 1));
  }
}
