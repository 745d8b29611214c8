/**
 * A new id for one send (the service's `request_id`): a retry of the same send carries the same id, so
 * the service attaches it to the first attempt's reply instead of sending the message twice.
 * `crypto.randomUUID` exists only in secure contexts (https, localhost); elsewhere a v4 UUID is built
 * from `crypto.getRandomValues`, which every browser has.
 */
export function newRequestId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
