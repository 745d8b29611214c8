/**
 * One place that turns a failure of the store into the domain's `storage.unavailable`, so no SQL, driver
 * message or parameter ever reaches a caller's error message.
 */
import { DrizzleQueryError } from "drizzle-orm";
import { DomainError } from "../../domain/errors.js";

/** The error every store failure becomes; the original is kept as `cause`, for logs only. */
export function storageUnavailable(cause: unknown): DomainError {
  return new DomainError(
    "storage.unavailable",
    "the chat store is unavailable; try again shortly",
    {},
    { cause },
  );
}

/**
 * Domain errors pass through; anything else becomes `storage.unavailable`. Drizzle's wrapper is dropped
 * from the cause because its message carries the statement and its parameters (people's messages).
 */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  // A domain error raised under Drizzle (the pool refusing to lend a connection) keeps its own shape.
  if (error instanceof DrizzleQueryError && error.cause instanceof DomainError) return error.cause;
  return storageUnavailable(error instanceof DrizzleQueryError ? (error.cause ?? error) : error);
}

/** Runs a piece of storage work; its failure becomes `storage.unavailable` (domain errors pass through). */
export async function withStorageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDomainError(error);
  }
}
