/**
 * What one client may hold of the server's connections, before and after it has a token: every limit
 * here is a setting (CONNECTION_* and HTTP2_* in .env.example), chosen so that clients nobody
 * authenticated cannot exhaust file descriptors or memory, while the BFF, `buf curl` and gRPC clients
 * never meet them in normal use.
 */
import type { Http2Session } from "node:http2";
import type { Socket } from "node:net";
import { createRateLimitedWarn } from "@parley/log-line";
import type { Logger } from "../../application/ports.js";

export interface ConnectionLimits {
  /**
   * A connection must complete its first request — HTTP/1.1 headers, or the HTTP/2 preface and SETTINGS
   * — within this; the protocol sniffer waits no longer either. Later HTTP/1.1 headers get as long.
   */
  firstRequestTimeoutMs: number;
  /** An HTTP/1.1 connection idle between requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** An HTTP/2 session with no open stream is closed (GOAWAY) after this. */
  http2IdleTimeoutMs: number;
  /** Concurrent streams per HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** Concurrent connections per remote address; 0 = no cap (behind an L7 proxy that limits clients). */
  maxConnectionsPerAddress: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  firstRequestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  // Longer than connect-node's own idle close (15 min) and gRPC's minimum keepalive ping interval (5 min).
  http2IdleTimeoutMs: 20 * 60_000,
  // The BFF multiplexes every user's live reply over one session, so this is also its live replies per
  // session; unauthenticated streams end at once except health Watch, which has caps of its own.
  maxConcurrentStreams: 1_000,
  maxConnectionsPerAddress: 128,
};

/** Counts connections per remote address and refuses those over the cap. */
export function createAddressCap(limit: number, logger: Logger) {
  const open = new Map<string, number>();
  // Summed up in the log: one line per interval, not one per refusal.
  const warn = createRateLimitedWarn(logger.warn.bind(logger));
  return {
    /** Whether the socket may stay; if so it is counted until it closes. */
    admit(socket: Socket): boolean {
      if (limit <= 0) return true;
      const address = socket.remoteAddress ?? "";
      const count = open.get(address) ?? 0;
      if (count >= limit) {
        warn("connections-per-address", "connections refused: too many from one address", { limit });
        return false;
      }
      open.set(address, count + 1);
      socket.once("close", () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left === 0) open.delete(address);
        else open.set(address, left);
      });
      return true;
    },
  };
}

/** Destroys the socket unless `served()` is called within `timeoutMs`. */
export function firstRequestDeadline(socket: Socket, timeoutMs: number): () => void {
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  const served = () => clearTimeout(timer);
  socket.once("close", served);
  return served;
}

/** Closes an HTTP/2 session (GOAWAY: nothing in flight is cut) once it has had no stream for `idleMs`. */
export function closeWhenIdle(session: Http2Session, idleMs: number): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => session.close(), idleMs);
    timer.unref();
  };
  session.on("stream", (stream) => {
    open++;
    clearTimeout(timer);
    stream.once("close", () => {
      if (--open === 0 && !session.closed) arm();
    });
  });
  session.once("close", () => clearTimeout(timer));
  arm();
}
