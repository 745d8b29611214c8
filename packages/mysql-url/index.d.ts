/** Where a MySQL database lives and who we are there. */
export interface DatabaseTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * Parses `mysql://user:password@host:port/database`. User and password may be percent-encoded; the port
 * defaults to 3306. Errors name `setting` and the expected shape but never echo the URL (it holds the
 * password).
 */
export function parseDatabaseUrl(url: string, setting?: string): DatabaseTarget;
