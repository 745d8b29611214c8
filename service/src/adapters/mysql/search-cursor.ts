/**
 * The search page token: the last result's document id, and a short hash of the folded query it
 * belongs to, so a token handed back with another query is refused rather than silently misapplied.
 */
import { createHash } from "node:crypto";
import { invalidArgument } from "../../domain/errors.js";

const pattern = /^s1:(\d{1,15}):([0-9a-f]{12})$/;
const maxTokenLength = 64;

const queryTag = (folded: string) => createHash("sha256").update(folded).digest("hex").slice(0, 12);

export function encodeSearchCursor(documentId: number, folded: string): string {
  return Buffer.from(`s1:${documentId}:${queryTag(folded)}`).toString("base64url");
}

/** The document id to continue below, or `argument.invalid`. */
export function decodeSearchCursor(cursor: string, folded: string): number {
  const match =
    cursor.length <= maxTokenLength ? pattern.exec(Buffer.from(cursor, "base64url").toString()) : null;
  if (!match) throw invalidArgument("page_token is not a token this server returned");
  if (match[2] !== queryTag(folded)) throw invalidArgument("page_token belongs to another query");
  return Number(match[1]);
}
