/**
 * Request/response over a child process's IPC channel: the orchestrator asks a process under test for
 * its CPU time, memory or event-loop delay, or tells a baseline process to run a load.
 */

/** In a child: answers `{ rpcId, cmd, args }` messages with the handler's (awaited) result. */
export function serveRpc(handlers) {
  if (typeof process.send !== "function") return false;
  process.on("message", async (message) => {
    if (!message || typeof message.rpcId !== "number") return;
    try {
      const handler = handlers[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const result = await handler(message.args ?? {});
      process.send({ rpcId: message.rpcId, result });
    } catch (error) {
      process.send({ rpcId: message.rpcId, error: String(error?.stack ?? error) });
    }
  });
  return true;
}

/** In the parent: `call(cmd, args)` resolves with the child's answer. */
export function rpcClient(child) {
  let next = 0;
  const pending = new Map();
  child.on("message", (message) => {
    const settle = message && pending.get(message.rpcId);
    if (!settle) return;
    pending.delete(message.rpcId);
    settle(message);
  });
  child.once("exit", (code, signal) => {
    for (const settle of pending.values()) settle({ error: `process exited (${code ?? signal})` });
    pending.clear();
  });
  return (cmd, args = {}) =>
    new Promise((resolve, reject) => {
      const rpcId = ++next;
      pending.set(rpcId, (message) =>
        message.error ? reject(new Error(`${cmd}: ${message.error}`)) : resolve(message.result),
      );
      child.send({ rpcId, cmd, args });
    });
}
