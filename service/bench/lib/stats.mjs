/** Small statistics helpers: percentiles by nearest rank, medians, rounding for tables. */

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The median (the mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const max = (values) => values.reduce((a, b) => Math.max(a, b), -Infinity);

/** A number for a table: `digits` decimals, or a dash when missing. */
export function fmt(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

/** A signed number: +1.2 / −0.3. */
export function signed(value, digits = 1) {
  if (!Number.isFinite(value)) return "–";
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(digits)}`;
}
