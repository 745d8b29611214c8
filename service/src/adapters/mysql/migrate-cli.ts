/**
 * `npm run migrate -w service`: applies pending migrations to DATABASE_URL (creating the database if
 * missing) and exits. The service also migrates on start; this is for deploys that migrate first.
 *
 * It reads DATABASE_URL itself rather than the service's config so that it runs with the database
 * settings alone, without the API token and model settings the service requires.
 */
import { createDatabase } from "./database.js";

const url = process.env["DATABASE_URL"];
if (!url) {
  console.error("DATABASE_URL is not set (mysql://user:password@host:3306/database)");
  process.exit(2);
}
try {
  const database = await createDatabase(url, { migrate: true });
  await database.close();
  console.log(`migrations applied to ${database.name}`);
} catch (error) {
  // The cause carries the driver's reason (refused, access denied, an SQL error); the URL stays out.
  console.error("migration failed:", error instanceof Error ? (error.cause ?? error) : error);
  process.exit(1);
}
