/**
 * What an operator can do about one user's limits (the admin CLI calls these): see them, override
 * them, block and unblock. Overrides take effect on the user's next message, on every replica.
 */
import { effectiveLimits, type LimitOverrides, type UserLimits } from "../../domain/limits.js";
import { invalidArgument } from "../../domain/errors.js";
import { requireUserId } from "../input-rules.js";
import { budgetDays, type LimitsDeps } from "./check-limits.js";

export type AdminDeps = Pick<LimitsDeps, "defaults" | "store" | "clock">;

export interface UserLimitsView {
  userId: string;
  blocked: boolean;
  /** What applies: the overrides over the defaults. */
  effective: UserLimits;
  /** The stored overrides (null: the default applies). */
  overrides: LimitOverrides;
  defaults: UserLimits;
  /** Tokens today, tokens and cost this month (UTC). */
  used: { todayTokens: number; monthTokens: number; monthCostMicros: number };
}

/** Sets some of a user's overrides: a number (0 = no limit for this user) or null (the default again). */
export async function setUserLimits(
  deps: AdminDeps,
  userId: string,
  overrides: Partial<LimitOverrides>,
): Promise<UserLimitsView> {
  const user = requireUserId(userId);
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0))
      throw invalidArgument(`${name} must be a whole number ≥ 0 (0 = no limit), or null for the default`);
  }
  await deps.store.update(user, { overrides }, deps.clock.now());
  return showUserLimits(deps, user);
}

export async function blockUser(deps: AdminDeps, userId: string): Promise<UserLimitsView> {
  const user = requireUserId(userId);
  await deps.store.update(user, { blocked: true }, deps.clock.now());
  return showUserLimits(deps, user);
}

export async function unblockUser(deps: AdminDeps, userId: string): Promise<UserLimitsView> {
  const user = requireUserId(userId);
  await deps.store.update(user, { blocked: false }, deps.clock.now());
  return showUserLimits(deps, user);
}

export async function showUserLimits(deps: AdminDeps, userId: string): Promise<UserLimitsView> {
  const user = requireUserId(userId);
  const now = deps.clock.now();
  const { settings, use: used } = await deps.store.limitsOf(user, ...budgetDays(now));
  return {
    userId: user,
    blocked: settings.blocked,
    effective: effectiveLimits(deps.defaults, settings.overrides),
    overrides: settings.overrides,
    defaults: deps.defaults,
    used,
  };
}
