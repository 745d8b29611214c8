/**
 * Asks the service under soak (started with `bench/probe.mjs` preloaded and an IPC channel) for its
 * memory after a forced GC and its event-loop delay, as the bench does.
 */
import type { ChildProcess } from "node:child_process";

export interface Memory {
  rss: number;
  heapUsed: number;
}
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export const probeArgs = ["--expose-gc", "--import", new URL("../bench/probe.mjs", import.meta.url).href];

export function probeClient(child: ChildProcess) {
  let next = 0;
  const pending = new Map<number, (message: { result?: unknown; error?: string }) => void>();
  child.on("message", (message: { rpcId?: number; result?: unknown; error?: string }) => {
    const settle = message.rpcId === undefined ? undefined : pending.get(message.rpcId);
    if (!settle) return;
    pending.delete(message.rpcId!);
    settle(message);
  });
  const call = <T>(cmd: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const rpcId = ++next;
      pending.set(rpcId, (message) =>
        message.error ? reject(new Error(message.error)) : resolve(message.result as T),
      );
      child.send({ rpcId, cmd, args: {} });
    });
  return {
    memory: () => call<Memory>("memory"),
    /** Starts a new event-loop delay window. */
    loopDelayStart: () => call<void>("eldStart"),
    /** The delay since the window started, in ms. */
    loopDelayStop: () => call<LoopDelay>("eldStop"),
  };
}
