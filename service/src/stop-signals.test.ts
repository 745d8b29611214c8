import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { listenForStopSignals } from "./stop-signals.js";

function fakeProcess() {
  const emitter = new EventEmitter();
  return { target: emitter as unknown as Pick<NodeJS.Process, "on">, emit: (s: string) => emitter.emit(s) };
}

describe("listenForStopSignals", () => {
  it("runs the stop on the first signal, once, whichever of SIGTERM and SIGINT comes", () => {
    const { target, emit } = fakeProcess();
    const signals = listenForStopSignals(target);
    const stops: string[] = [];
    signals.handleWith((signal) => stops.push(signal));
    expect(signals.received).toBeNull();
    emit("SIGINT");
    emit("SIGTERM");
    expect(stops).toEqual(["SIGINT"]);
    expect(signals.received).toBe("SIGINT");
  });

  it("remembers a signal that came before the stop was handed over and runs it then", () => {
    const { target, emit } = fakeProcess();
    const signals = listenForStopSignals(target);
    emit("SIGTERM");
    expect(signals.received).toBe("SIGTERM");
    const stops: string[] = [];
    signals.handleWith((signal) => stops.push(signal));
    expect(stops).toEqual(["SIGTERM"]);
  });

  it("a SIGINT while stopping forces the exit; a repeated SIGTERM does not", () => {
    const { target, emit } = fakeProcess();
    const signals = listenForStopSignals(target);
    const events: string[] = [];
    signals.handleWith(
      (signal) => events.push(`stop ${signal}`),
      () => events.push("force"),
    );
    emit("SIGTERM");
    emit("SIGTERM");
    expect(events).toEqual(["stop SIGTERM"]);
    emit("SIGINT");
    expect(events).toEqual(["stop SIGTERM", "force"]);
  });

  it("a second SIGINT before the stop is handed over (still starting) forces nothing", () => {
    const { target, emit } = fakeProcess();
    const signals = listenForStopSignals(target);
    emit("SIGINT");
    emit("SIGINT");
    const events: string[] = [];
    signals.handleWith(
      (signal) => events.push(`stop ${signal}`),
      () => events.push("force"),
    );
    expect(events).toEqual(["stop SIGINT"]);
  });
});
