/**
 * `search reindex [--batch N]`: puts chats stored before search existed into the search index, in
 * batches of one transaction each, oldest first. Safe to run while the service runs and to run again:
 * it only takes texts that have no index entry yet, so an interrupted run resumes where it stopped.
 */
import { backfillSearchIndex } from "../../adapters/mysql/search-backfill.js";
import { UsageError, type AdminCommand } from "../admin-command.js";
import { parse } from "../arguments.js";

const defaultBatch = 500;
const maxBatch = 5_000;

export const searchCommand: AdminCommand = {
  name: "search",
  usage: ["search reindex [--batch N]                        index stored chats that are not searchable yet"],
  async run(args, context) {
    const [subcommand, ...rest] = args;
    if (subcommand !== "reindex") throw new UsageError("usage: search reindex [--batch N]");
    const { values, positionals } = parse(rest, { batch: { type: "string" } });
    if (positionals.length > 0) throw new UsageError("usage: search reindex [--batch N]");
    const batchSize = values.batch === undefined ? defaultBatch : Number(values.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch)
      throw new UsageError(`--batch must be a whole number from 1 to ${maxBatch}`);
    const done = await backfillSearchIndex(context.database.db, { batchSize });
    context.print(`indexed ${done.titles} titles and ${done.messages} messages`);
  },
};
