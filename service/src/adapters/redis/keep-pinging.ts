/**
 * A PING every `intervalMs` on a connection that otherwise only listens (the subscriber; PING is allowed
 * in subscriber mode). A Redis that hangs without hanging up (frozen, or behind a network black hole)
 * never closes the socket, and a listening connection has no command waiting whose timeout could notice:
 * it would wait for messages forever. The PING gives the connection's `socketTimeout` (see
 * `redis-connections.ts`) something to wait for: when no byte comes back in time ioredis destroys the
 * socket, which fails every follow (`channel-subscriptions.ts`), and reconnects.
 */
import type { Redis } from "ioredis";

/** Starts pinging `redis` while it is ready, one PING at a time, until the connection ends for good. */
export function keepPinging(redis: Redis, intervalMs: number): void {
  let waiting = false;
  const timer = setInterval(() => {
    if (waiting || redis.status !== "ready") return;
    waiting = true;
    // A PING caught by a broken connection fails with it; the connection reports that itself.
    redis
      .ping()
      .catch(() => undefined)
      .finally(() => (waiting = false));
  }, intervalMs);
  timer.unref();
  redis.once("end", () => clearInterval(timer));
}
