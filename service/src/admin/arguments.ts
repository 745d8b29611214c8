/** Argument parsing shared by the admin commands: strict, every mistake a UsageError. */
import { parseArgs } from "node:util";
import { UsageError } from "./admin-command.js";

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>;

/** Strict parsing: an unknown flag is a UsageError. Flags are all strings here. */
export function parse(args: string[], options: Options) {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function exactly(positionals: string[], count: 1, usage: string): [string];
export function exactly(positionals: string[], count: 2, usage: string): [string, string];
export function exactly(positionals: string[], count: number, usage: string): string[] {
  if (positionals.length !== count) throw new UsageError(`usage: ${usage}`);
  return positionals;
}
