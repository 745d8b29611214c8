// Plain JavaScript with a hand-written index.d.ts, so both the service (tsc) and the web app (Next) can
// use it without a build step.

// Letters, digits, `_`, `$` and `-` (quoted where it is used); a name outside that set is more likely a
// typo or a half-encoded URL than a wish.
const databaseName = /^[A-Za-z0-9_$-]{1,64}$/;

/** @type {import("./index.d.ts").parseDatabaseUrl} */
export function parseDatabaseUrl(url, setting = "DATABASE_URL") {
  const shape = `${setting} must look like mysql://user:password@host:3306/database`;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(shape);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (parsed.protocol !== "mysql:" || !parsed.hostname || !parsed.username) throw new Error(shape);
  if (!databaseName.test(database)) {
    throw new Error(`${shape} (the database name: letters, digits, "_", "$" or "-", at most 64)`);
  }
  return {
    // URL keeps the brackets of an IPv6 literal; the socket API wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}
