/** A user-limits store for tests whose limits are not the point: fixed settings per user, no usage. */
import type { UserLimitsStore } from "../../src/application/limits/limits-ports.js";
import { noOverrides, type UserLimitSettings } from "../../src/domain/limits.js";

const noLimits = (): UserLimitSettings => ({ overrides: noOverrides, blocked: false });

export function fixedLimitsStore(
  settingsFor: (userId: string) => UserLimitSettings = noLimits,
): UserLimitsStore {
  return {
    settingsOf: (userId) => Promise.resolve(settingsFor(userId)),
    limitsOf: (userId) =>
      Promise.resolve({
        settings: settingsFor(userId),
        use: { todayTokens: 0, monthTokens: 0, monthCostMicros: 0 },
      }),
    update: () => Promise.resolve(),
  };
}
