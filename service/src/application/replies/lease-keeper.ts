/**
 * Ownership leases, kept: every process renews the leases of the replies it generates (one statement
 * per heartbeat, whatever their number) and sweeps replies whose lease ran out — their owner crashed,
 * hung or lost the database — ending them `interrupted` with the text saved so far. This replaces a
 * start-up sweep of every `streaming` row, which let a second process destroy a first one's live
 * replies: a restart is just a new owner, and the old owner's leases run out.
 *
 * Failures of either are logged and tried again at the next tick: a heartbeat that keeps failing lets
 * the leases run out, and the fenced writes of the replies then tell them they were ended elsewhere.
 */
import type { ChatRepository } from "../chats/chat-repository.js";
import type { Clock, Logger } from "../ports.js";

export interface LeaseSettings {
  /** How long a lease lasts from its start or last renewal. */
  leaseMs: number;
  /** How often this process renews its leases: a few times per lease, so one failed beat costs nothing. */
  renewEveryMs: number;
  /** How often this process looks for expired leases. */
  sweepEveryMs: number;
}

export const defaultLeaseSettings: LeaseSettings = {
  leaseMs: 10_000,
  renewEveryMs: 2_000,
  sweepEveryMs: 5_000,
};

export interface LeaseKeeperDeps {
  repository: ChatRepository;
  clock: Clock;
  logger: Logger;
  owner: string;
  /** Whether this process has live replies (no heartbeat statement when it has none). */
  hasLiveReplies: () => boolean;
  settings: LeaseSettings;
}

export class LeaseKeeper {
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: LeaseKeeperDeps) {}

  /** Sweeps once now (what a crash left behind ends at once), then renews and sweeps periodically. */
  start(): void {
    const { renewEveryMs, sweepEveryMs } = this.deps.settings;
    void this.sweep();
    this.timers = [
      setInterval(() => void this.renew(), renewEveryMs),
      setInterval(() => void this.sweep(), sweepEveryMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Extends this process's leases; resolves with how many were renewed. */
  async renew(): Promise<number> {
    if (!this.deps.hasLiveReplies()) return 0;
    const { clock, settings, owner } = this.deps;
    const expiresAt = new Date(clock.now().getTime() + settings.leaseMs);
    return this.deps.repository.renewLeases(owner, expiresAt).catch((error: unknown) => {
      this.deps.logger.warn("could not renew reply leases", { error: String(error) });
      return 0;
    });
  }

  /** Ends replies whose lease ran out; resolves with how many. */
  async sweep(): Promise<number> {
    const ended = await this.deps.repository
      .endExpiredLeases(this.deps.clock.now())
      .catch((error: unknown) => {
        this.deps.logger.warn("could not sweep expired reply leases", { error: String(error) });
        return 0;
      });
    if (ended > 0) this.deps.logger.warn("replies whose owner was gone were ended interrupted", { ended });
    return ended;
  }
}
