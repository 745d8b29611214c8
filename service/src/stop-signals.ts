/**
 * SIGTERM and SIGINT, listened for from the process's first moment. An orchestrator may stop a replica
 * while it is still starting (waiting for the database, migrating, about to listen); without a handler
 * Node dies of the signal there, and a test or a supervisor that stops a replica right after it logged
 * its port could catch it in the instant between that line and the handler's installation. So the
 * signal is recorded at once and acted on when the service knows how to stop: the shutdown runs as soon
 * as it is handed over (at once if the signal came first), and a start-up step that only waits (the
 * database retry loop) asks `received` and gives up.
 *
 * A second SIGINT while stopping — Ctrl-C pressed again — means "now": `force` runs, and the stop under
 * way is abandoned (the replies it leaves live end when their leases run out, as after a crash). A
 * second SIGTERM changes nothing: supervisors may repeat it, and their own deadline ends in SIGKILL.
 */
export interface StopSignals {
  /** The first stop signal received, or null. */
  readonly received: NodeJS.Signals | null;
  /**
   * Runs `stop` on the first signal from now on (at once if one came already), and `force` on a SIGINT
   * after it. Called once.
   */
  handleWith(stop: (signal: NodeJS.Signals) => void, force?: () => void): void;
}

const stopSignals = ["SIGTERM", "SIGINT"] as const;

export function listenForStopSignals(target: Pick<NodeJS.Process, "on"> = process): StopSignals {
  let received: NodeJS.Signals | null = null;
  let stop: ((signal: NodeJS.Signals) => void) | null = null;
  let force: (() => void) | undefined;
  for (const signal of stopSignals) {
    target.on(signal, () => {
      if (received !== null) {
        if (signal === "SIGINT" && stop) force?.();
        return;
      }
      received = signal;
      stop?.(signal);
    });
  }
  return {
    get received() {
      return received;
    },
    handleWith(handler, forced) {
      stop = handler;
      force = forced;
      if (received !== null) handler(received);
    },
  };
}
