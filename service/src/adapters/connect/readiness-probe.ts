// A readiness check (e.g. a database ping) behind a short cache, so health probes stay cheap and a
// hung dependency makes the server NOT_SERVING instead of hanging the probe. Once an answer is known, a
// probe never waits for the check: a stale answer starts a refresh and is returned as it stands. Under
// load a database ping queues behind the turns' statements in the pool, and a probe that waited for it
// measured the queue, not the server (row 20 in docs/benchmarks.md: health p99 up to 205 ms while the
// event loop's delay p99 was 22–34 ms). An answer is at most cacheMs + timeoutMs old.

/** What the health service asks before reporting the whole server ("") SERVING. */
export interface ReadinessOptions {
  /** Resolves true when the server can do useful work (e.g. the database answers a ping). */
  check: () => Promise<boolean>;
  /** How long an answer is reused, in ms (default 1000). Also Watch's polling interval for "". */
  cacheMs?: number;
  /** How long to wait for `check` before calling the server not ready, in ms (default 1000). */
  timeoutMs?: number;
}

/** A cached, time-limited readiness check. */
export interface ReadinessProbe {
  /**
   * True when ready; concurrent callers share one check, and answers are reused for `cacheMs`. Only the
   * first call waits for the check; later ones get the last answer while a stale one is refreshed.
   */
  ready(): Promise<boolean>;
  /** How long an answer is reused, in ms. */
  readonly cacheMs: number;
}

/** Wraps `options.check` with a cache, a timeout and single flight; a rejection counts as not ready. */
export function createReadinessProbe(options: ReadinessOptions): ReadinessProbe {
  const cacheMs = options.cacheMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 1000;
  let last: { ok: boolean; at: number } | undefined;
  let inFlight: Promise<boolean> | undefined;

  async function run(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      // Promise.resolve().then(...) also turns a synchronous throw into "not ready".
      const ok = await Promise.race([Promise.resolve().then(options.check), timeout]);
      return ok === true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    cacheMs,
    ready() {
      if (last && performance.now() - last.at < cacheMs) return Promise.resolve(last.ok);
      inFlight ??= run().then((ok) => {
        last = { ok, at: performance.now() };
        inFlight = undefined;
        return ok;
      });
      return last ? Promise.resolve(last.ok) : inFlight;
    },
  };
}
