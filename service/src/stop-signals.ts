/**
 * SIGTERM and SIGINT, listened for from the process's first moment. An orchestrator may stop a replica
 * while it is still starting (waiting for the database, migrating, about to listen); without a handler
 * Node dies of the signal there, and a test or a supervisor that stops a replica right after it logged
 * its port could catch it in the instant between that line and the handler's installation. So the
 * signal is recorded at once and acted on when the service knows how to stop: the shutdown runs as soon
 * as it is handed over (at once if the signal came first), and a start-up step that only waits (the
 * database retry loop) asks `received` and gives up.
 */
export interface StopSignals {
  /** The first stop signal received, or null. */
  readonly received: NodeJS.Signals | null;
  /** Runs `stop` on the first signal from now on; at once if one came already. Called once. */
  handleWith(stop: (signal: NodeJS.Signals) => void): void;
}

const stopSignals = ["SIGTERM", "SIGINT"] as const;

export function listenForStopSignals(target: Pick<NodeJS.Process, "on"> = process): StopSignals {
  let received: NodeJS.Signals | null = null;
  let stop: ((signal: NodeJS.Signals) => void) | null = null;
  for (const signal of stopSignals) {
    target.on(signal, () => {
      if (received !== null) return; // a second signal while stopping changes nothing
      received = signal;
      stop?.(signal);
    });
  }
  return {
    get received() {
      return received;
    },
    handleWith(handler) {
      stop = handler;
      if (received !== null) handler(received);
    },
  };
}
