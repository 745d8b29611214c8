/**
 * A message the service refused because one of the person's limits was reached (or their account is
 * blocked), as the BFF reports it (`data.reason`, `data.resetAt`, `data.limit`), and the sentence shown
 * for it, with the reset time in the person's own time zone.
 */

export const limitReasons = [
  "limit.concurrent_replies",
  "limit.rate",
  "limit.daily_tokens",
  "limit.monthly_tokens",
  "limit.monthly_cost",
  "account.blocked",
] as const;

export type LimitReason = (typeof limitReasons)[number];

export interface LimitRefusal {
  reason: LimitReason;
  /** ISO time when sending may work again; null when the service gave none. */
  resetAt: string | null;
  /** The limit reached (tokens, answers at once), when the service named it. */
  limit: number | null;
}

/** The limit refusal in what the BFF said about a failure, or null for any other failure. */
export function toLimitRefusal(data: {
  reason?: string | null;
  resetAt?: string | null;
  limit?: number | null;
}): LimitRefusal | null {
  const reason = limitReasons.find((known) => known === data.reason);
  if (!reason) return null;
  const resetAt = data.resetAt && !Number.isNaN(Date.parse(data.resetAt)) ? data.resetAt : null;
  const limit = typeof data.limit === "number" && data.limit > 0 ? data.limit : null;
  return { reason, resetAt, limit };
}

/** Whether sending the same message again soon may work (a rate or concurrency limit). */
export function isShortLived(refusal: LimitRefusal): boolean {
  return refusal.reason === "limit.rate" || refusal.reason === "limit.concurrent_replies";
}

export interface FormatOptions {
  /** The current time (injected so tests fix the clock). */
  now: Date;
  /** IANA time zone; the browser's own when absent. */
  timeZone?: string;
  /** BCP 47 locale; the browser's own when absent. */
  locale?: string;
}

/** The sentence for a person: what was reached and when it resets, in their local time. */
export function describeLimitRefusal(refusal: LimitRefusal, options: FormatOptions): string {
  const count = (value: number) => value.toLocaleString(options.locale);
  const tokens = refusal.limit === null ? "" : ` of ${count(refusal.limit)} tokens`;
  switch (refusal.reason) {
    case "limit.daily_tokens":
      return join(`You've reached today's limit${tokens}.`, resets(refusal.resetAt, options));
    case "limit.monthly_tokens":
      return join(`You've reached this month's limit${tokens}.`, resets(refusal.resetAt, options));
    case "limit.monthly_cost":
      return join("You've reached this month's spending limit.", resets(refusal.resetAt, options));
    case "limit.rate":
      return join(
        "You're sending messages faster than your limit allows.",
        refusal.resetAt
          ? `You can send again at ${clock(refusal.resetAt, options, true)}.`
          : "Wait a moment.",
      );
    case "limit.concurrent_replies":
      return refusal.limit === null
        ? "Too many of your answers are being written at once. Wait for one to finish, then send again."
        : `You already have ${count(refusal.limit)} answers being written at once, your limit. Wait for one to finish, then send again.`;
    case "account.blocked":
      return "Your account may not send messages. Please contact whoever runs this Parley.";
  }
}

function join(first: string, second: string | null): string {
  return second ? `${first} ${second}` : first;
}

/** "It resets at 01:00." today, "… tomorrow at 01:00.", else "… on 1 January at 01:00.". */
function resets(resetAt: string | null, options: FormatOptions): string | null {
  if (!resetAt) return null;
  const at = new Date(resetAt);
  const time = clock(resetAt, options, false);
  const day = dayKey(at, options.timeZone);
  if (day === dayKey(options.now, options.timeZone)) return `It resets at ${time}.`;
  if (day === nextDay(dayKey(options.now, options.timeZone))) return `It resets tomorrow at ${time}.`;
  const date = new Intl.DateTimeFormat(options.locale, {
    day: "numeric",
    month: "long",
    timeZone: options.timeZone,
  }).format(at);
  return `It resets on ${date} at ${time}.`;
}

function clock(iso: string, options: FormatOptions, seconds: boolean): string {
  return new Intl.DateTimeFormat(options.locale, {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" as const } : {}),
    timeZone: options.timeZone,
  }).format(new Date(iso));
}

/** The calendar day of `date` in `timeZone`, as YYYY-MM-DD. */
function dayKey(date: Date, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat("en-CA", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone,
  }).format(date);
}

function nextDay(key: string): string {
  const date = new Date(`${key}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}
