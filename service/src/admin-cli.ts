/**
 * `npm run admin -w service -- <command> ...`: operator tasks straight against the database, with the
 * service's configuration (DATABASE_URL, `.env`) and its use cases; no running service needed.
 * `--help` lists the commands. Exits 0 on success, 1 on failure, 2 on bad arguments.
 */
import { createDatabase } from "./adapters/mysql/database.js";
import { systemClock, uuidV7 } from "./adapters/system-clock.js";
import { UsageError } from "./admin/admin-command.js";
import { commands } from "./admin/commands/index.js";
import { loadConfig } from "./config.js";
import { DomainError } from "./domain/errors.js";
import { loadDotEnv } from "./load-dot-env.js";

const [name, ...args] = process.argv.slice(2);
const command = commands.find((c) => c.name === name);
const usage = () =>
  [
    "usage: npm run admin -w service -- <command>",
    ...commands.flatMap((c) => c.usage.map((u) => `  ${u}`)),
  ].join("\n");

if (!command) {
  const help = name === undefined || name === "--help" || name === "help";
  (help ? console.log : console.error)(help ? usage() : `unknown command "${name}"\n${usage()}`);
  process.exit(help ? 0 : 2);
}

loadDotEnv();
let exitCode = 0;
try {
  const config = loadConfig();
  const database = await createDatabase(config.databaseUrl, {
    acquireTimeoutMs: config.databaseAcquireTimeoutMs,
  });
  try {
    await command.run(args, {
      database,
      config,
      clock: systemClock,
      newId: uuidV7,
      print: (line) => console.log(line),
    });
  } finally {
    await database.close();
  }
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${usage()}`);
    exitCode = 2;
  } else {
    // Domain errors are written for people; anything else keeps its cause (the URL stays out).
    console.error(
      error instanceof DomainError ? error.message : error instanceof Error ? (error.cause ?? error) : error,
    );
    exitCode = 1;
  }
}
process.exit(exitCode);
