/** Reading `mysql://user:password@host:port/database` into the parts mysql2 wants. */

/** Where the database lives and who we are there. */
export interface DatabaseTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

// Letters, digits, `_`, `$` and `-` (quoted where it is used); a name outside that set is more likely a
// typo or a half-encoded URL than a wish.
const databaseName = /^[A-Za-z0-9_$-]{1,64}$/;

/**
 * Parses a `mysql://` URL. User and password may be percent-encoded; the port defaults to 3306. Errors
 * name the expected shape but never echo the URL, which holds the password.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const shape = "DATABASE_URL must look like mysql://user:password@host:3306/database";
  let parsed: URL;
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
