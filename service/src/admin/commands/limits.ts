/**
 * `limits show|set|block|unblock <user>` and `usage <user>`: one user's limits and usage, through the
 * same use cases as the service. Overrides take effect on the user's next message, on every replica.
 */
import { createMysqlUserLimitsStore } from "../../adapters/mysql/mysql-user-limits-store.js";
import {
  blockUser,
  setUserLimits,
  showUserLimits,
  unblockUser,
  type AdminDeps,
  type UserLimitsView,
} from "../../application/limits/user-limits-admin.js";
import type { LimitOverrides } from "../../domain/limits.js";
import { UsageError, type AdminCommand, type AdminContext } from "../admin-command.js";
import { exactly, parse } from "../arguments.js";

/** Each override's flag; the value is a whole number (0 = no limit for this user) or `default`. */
const flags = {
  concurrent: "concurrentReplies",
  "per-minute": "messagesPerMinute",
  "daily-tokens": "dailyTokens",
  "monthly-tokens": "monthlyTokens",
  "monthly-cost-micros": "monthlyCostMicros",
} as const satisfies Record<string, keyof LimitOverrides>;

const adminDeps = (context: AdminContext): AdminDeps => ({
  defaults: context.config.userLimits,
  store: createMysqlUserLimitsStore(context.database.db),
  clock: context.clock,
});

export const limitsCommand: AdminCommand = {
  name: "limits",
  usage: [
    "limits show <user>                                 a user's limits (effective, overrides, defaults) and use",
    "limits set <user> [--concurrent N] [--per-minute N] [--daily-tokens N] [--monthly-tokens N]",
    "                  [--monthly-cost-micros N]        override (0 = no limit, `default` = the default again)",
    "limits block <user> | limits unblock <user>       refuse or allow the user's new messages",
  ],
  async run(args, context) {
    const [subcommand, ...rest] = args;
    const deps = adminDeps(context);
    const show = (view: UserLimitsView) => printLimits(view, context);
    if (subcommand === "show") return show(await showUserLimits(deps, one(rest, "limits show <user>")));
    if (subcommand === "block") return show(await blockUser(deps, one(rest, "limits block <user>")));
    if (subcommand === "unblock") return show(await unblockUser(deps, one(rest, "limits unblock <user>")));
    if (subcommand === "set") {
      const options = Object.fromEntries(
        Object.keys(flags).map((flag) => [flag, { type: "string" as const }]),
      );
      const { values, positionals } = parse(rest, options);
      const [userId] = exactly(positionals, 1, "limits set <user> --<limit> N ...");
      const overrides: Partial<LimitOverrides> = {};
      for (const [flag, name] of Object.entries(flags)) {
        const value = values[flag];
        if (value !== undefined) overrides[name] = overrideValue(flag, value);
      }
      if (Object.keys(overrides).length === 0) throw new UsageError("limits set: name at least one limit");
      return show(await setUserLimits(deps, userId, overrides));
    }
    throw new UsageError(
      subcommand ? `unknown limits subcommand "${subcommand}"` : "missing limits subcommand",
    );
  },
};

export const usageCommand: AdminCommand = {
  name: "usage",
  usage: [
    "usage <user>                                       tokens today, tokens and estimated cost this month",
  ],
  async run(args, context) {
    const view = await showUserLimits(adminDeps(context), one(args, "usage <user>"));
    const { todayTokens, monthTokens, monthCostMicros } = view.used;
    context.print(
      `${view.userId}  today-tokens=${todayTokens}  month-tokens=${monthTokens}  month-cost-micros=${monthCostMicros}`,
    );
  },
};

function one(args: string[], usage: string): string {
  return exactly(parse(args, {}).positionals, 1, usage)[0];
}

function overrideValue(flag: string, value: string): number | null {
  if (value === "default") return null;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`--${flag} must be a whole number ≥ 0 (0 = no limit) or "default"`);
  return Number(value);
}

/** One line per limit: effective value, and where it comes from; then blocked and use. */
function printLimits(view: UserLimitsView, context: AdminContext): void {
  context.print(`${view.userId}  blocked=${view.blocked}`);
  for (const [flag, name] of Object.entries(flags)) {
    const override = view.overrides[name];
    const source = override === null ? "default" : "override";
    const shown = view.effective[name] === 0 ? "none" : String(view.effective[name]);
    context.print(`  ${flag}=${shown}  (${source}; default ${view.defaults[name] || "none"})`);
  }
  const { todayTokens, monthTokens, monthCostMicros } = view.used;
  context.print(
    `  used: today-tokens=${todayTokens}  month-tokens=${monthTokens}  month-cost-micros=${monthCostMicros}`,
  );
}
