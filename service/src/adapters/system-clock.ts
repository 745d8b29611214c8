/** Clock and ids from the system: wall time, and UUID v7 (time-ordered, so new rows append to indexes). */
import { randomUUID } from "node:crypto";
import type { Clock, IdGenerator } from "../application/ports.js";

export const systemClock: Clock = { now: () => new Date() };

/**
 * RFC 9562 UUID version 7: 48-bit Unix milliseconds, version, 74 random bits. The random bits are a
 * version 4 UUID's, which sit at the same places with the same variant: `randomUUID` draws entropy for
 * 128 UUIDs at a time, where `randomBytes(16)` made a system call per id (0.63 against 1.86 µs an id in
 * a loop of 200 000 on one core, 2026-12-06).
 */
export const uuidV7: IdGenerator = () => {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V one of 8 9 a b
  const ms = Date.now().toString(16).padStart(12, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
};
