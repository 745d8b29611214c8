/** Whether a failed insert hit a primary key or unique index (the driver's error, wrapped or not). */
export function isDuplicateKey(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === "ER_DUP_ENTRY") return true;
  }
  return false;
}
