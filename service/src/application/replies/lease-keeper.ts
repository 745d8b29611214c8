/**
 * Ownership leases, kept: every process renews the leases of what it holds live — replies it generates,
 * WhatsApp turns it answers; one statement per store and heartbeat, whatever their number — and sweeps
 * what was held under leases that ran out (the owner crashed, hung or lost the database), ending it
 * `interrupted`. This replaces start-up sweeps of every live row, which let a second process destroy a
 * first one's live replies: a restart is just a new owner, and the old owner's leases run out.
 *
 * Failures of either are logged and tried again at the next tick: a heartbeat that keeps failing lets
 * the leases run out, and the fenced writes of the replies then tell them they were ended elsewhere.
 */
import type { Clock, EndedLease, LeasedStore, Logger } from "../ports.js";

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

/** One store of leased things, and the ids this process holds there now (no heartbeat when none). */
export interface LeasedStoreOf {
  name: string;
  store: LeasedStore;
  held: () => readonly string[];
  /** Told what a sweep of this store ended (e.g. to tell the replies' watchers on every replica). */
  ended?: (rows: EndedLease[]) => void;
}

export interface LeaseKeeperDeps {
  stores: LeasedStoreOf[];
  clock: Clock;
  logger: Logger;
  owner: string;
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
    const { clock, settings, owner } = this.deps;
    const expiresAt = new Date(clock.now().getTime() + settings.leaseMs);
    const renewed = this.deps.stores.map(({ name, store, held }) => {
      const ids = held();
      return ids.length === 0
        ? 0
        : store.renewLeases(owner, ids, expiresAt).catch((error: unknown) => {
            this.deps.logger.warn("could not renew leases", { store: name, error: String(error) });
            return 0;
          });
    });
    return sum(await Promise.all(renewed));
  }

  /** Ends what was held under leases that ran out; resolves with how many. */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now();
    const ended = await Promise.all(
      this.deps.stores.map(async ({ name, store, ended }) => {
        const rows = await store.endExpiredLeases(now).catch((error: unknown) => {
          this.deps.logger.warn("could not sweep expired leases", { store: name, error: String(error) });
          return [];
        });
        if (rows.length === 0) return 0;
        this.deps.logger.warn("what a gone owner held was ended interrupted", {
          store: name,
          count: rows.length,
        });
        ended?.(rows);
        return rows.length;
      }),
    );
    return sum(ended);
  }
}

const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0);
