/** Identifier rules. Ids are UUIDs (we mint version 7, time-ordered); anything else is malformed. */

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isId(value: string): boolean {
  return uuidPattern.test(value);
}

/** The longest user id we store (it is indexed). Web users, `whatsapp:+E164` senders and API callers fit. */
export const maxUserIdLength = 191;
