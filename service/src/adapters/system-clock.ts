/** Clock and ids from the system: wall time, and UUID v7 (time-ordered, so new rows append to indexes). */
import { randomBytes } from "node:crypto";
import type { Clock, IdGenerator } from "../application/ports.js";

export const systemClock: Clock = { now: () => new Date() };

/** RFC 9562 UUID version 7: 48-bit Unix milliseconds, version, 74 random bits. */
export const uuidV7: IdGenerator = () => {
  const bytes = randomBytes(16);
  const ms = Date.now();
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
