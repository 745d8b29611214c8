/**
 * The last line of a process that met a bug no handler caught — an exception, or a rejection nobody
 * handled (Node raises those as uncaught exceptions). The process still ends (its state cannot be
 * trusted; its live replies end when their leases run out, as after a kill), but it says why in the
 * log's own format first, so an operator finds the cause beside the other lines instead of as a bare
 * stack on stderr.
 */
import type { Logger } from "./application/ports.js";

export function logCrashes(
  logger: Logger,
  target: Pick<NodeJS.Process, "on"> = process,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  target.on("uncaughtException", (error: Error, origin: NodeJS.UncaughtExceptionOrigin) => {
    logger.error("a bug ended the process", { origin, error: String(error), stack: error?.stack ?? null });
    exit(1);
  });
}
