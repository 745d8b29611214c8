/**
 * Limits the service owns, checked here first so a person gets a clear message without a round trip.
 * The web app cannot import service code, so each one mirrors a named service constant; the service
 * still has the last word (it counts exactly, and may be configured lower).
 */

/** Mirrors `maxTitleLength` in service/src/domain/chat.ts: the longest chat title. */
export const maxTitleLength = 200;

/**
 * Mirrors the default of `MAX_MESSAGE_BYTES` in service/src/config.ts (UTF-8 bytes of one message). A
 * string's UTF-16 length never exceeds its UTF-8 byte count, so a `.max()` on the length is a safe
 * first check: whatever it refuses, the service would refuse too.
 */
export const maxMessageBytes = 32_768;
