/**
 * How the usage page words its figures: token counts, estimated costs in their currency, UTC days, and
 * a figure against its limit ("no limit" when the limit is 0). Pure, with the locale passed in (the
 * browser's own when absent), so tests pin the output.
 */

export function formatTokens(tokens: number, locale?: string): string {
  return tokens.toLocaleString(locale);
}

/** Millionths of `currency` as money: "$0.0123" (small costs keep up to 4 decimals, so they do not show as $0.00). */
export function formatCost(micros: number, currency: string, locale?: string): string {
  const amount = micros / 1_000_000;
  const digits = amount !== 0 && amount < 1 ? 4 : 2;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: digits,
  }).format(amount);
}

/** A short form for chart axes: 1.2k, 3.4M. */
export function compactTokens(tokens: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 }).format(tokens);
}

/** A UTC day (`YYYY-MM-DD`) as "3 Dec" (`long`: "Thursday 3 December 2026"), never shifted by the local zone. */
export function formatDay(date: string, locale?: string, long = false): string {
  const options: Intl.DateTimeFormatOptions = long
    ? { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }
    : { day: "numeric", month: "short", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale, options).format(new Date(`${date}T00:00:00Z`));
}

/** A limit and what is left of it, in words: "no limit", or "of 100,000 · 87,655 left". */
export function againstLimit(
  limit: number,
  left: number,
  format: (value: number) => string,
): { limited: boolean; text: string; share: number } {
  if (limit <= 0) return { limited: false, text: "No limit", share: 0 };
  const used = Math.max(0, limit - left);
  return {
    limited: true,
    text: `of ${format(limit)} · ${format(left)} left`,
    share: Math.min(1, used / limit),
  };
}

/** When a limit starts again, in the person's time: "Resets at 01:00 on 4 Dec". */
export function formatReset(
  iso: string | null,
  options: { timeZone?: string; locale?: string } = {},
): string | null {
  if (!iso) return null;
  const at = new Date(iso);
  const time = new Intl.DateTimeFormat(options.locale, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: options.timeZone,
  }).format(at);
  const day = new Intl.DateTimeFormat(options.locale, {
    day: "numeric",
    month: "short",
    timeZone: options.timeZone,
  }).format(at);
  return `Resets at ${time} on ${day}`;
}
