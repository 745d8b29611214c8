/**
 * The port for stored usage: each user's daily aggregate (written with each reply's final write by the
 * chat repository; see adapters/mysql/usage-daily.ts). Adapter: MySQL.
 */

/** One user's usage on one UTC day, over every kind (replies, titles, ...). */
export interface DailyUsage {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  promptTokens: number;
  completionTokens: number;
  replies: number;
  estimatedReplies: number;
  costMicros: number;
}

export interface UsageRepository {
  /**
   * `userId`'s usage per day from `fromDay` to `toDay` (both `YYYY-MM-DD`, inclusive), oldest first;
   * days without usage are left out. One range read of the aggregate's primary key.
   * Failures of the store throw DomainError("storage.unavailable").
   */
  dailyUsage(userId: string, fromDay: string, toDay: string): Promise<DailyUsage[]>;
}
