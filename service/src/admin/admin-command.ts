/**
 * One admin CLI command (`keys`, later `limits`, `usage`, `block`): a file in ./commands exporting one of
 * these, listed in ./commands/index.ts. Commands get the opened database and the production adapters'
 * basics, and call the use cases directly: no running service is needed.
 */
import type { Database } from "../adapters/mysql/database.js";
import type { Clock, IdGenerator } from "../application/ports.js";
import type { Config } from "../config.js";

export interface AdminContext {
  database: Database;
  config: Config;
  clock: Clock;
  newId: IdGenerator;
  /** Where results go (stdout); errors are thrown, and printed by the CLI. */
  print: (line: string) => void;
}

export interface AdminCommand {
  /** The first word: `npm run admin -w service -- <name> ...`. */
  name: string;
  /** One line per subcommand, for `--help`. */
  usage: string[];
  /** Runs `args` (what follows the name). Throws UsageError for bad arguments. */
  run(args: string[], context: AdminContext): Promise<void>;
}

/** Bad arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
