import type { DailyUsage } from "~/lib/usage-types";
import { formatCost, formatDay, formatTokens } from "./format-usage";

/** The chart's days as a table: visually hidden unless `shown`, always read by screen readers. */
export function UsageTable({ days, shown }: { days: DailyUsage[]; shown: boolean }) {
  const cell = "px-3 py-1.5 text-right tabular-nums";
  return (
    <div
      id="usage-table"
      className={shown ? "mt-4 overflow-x-auto rounded-xl border border-line" : "sr-only"}
    >
      <table className="w-full text-left text-sm" data-testid="usage-table">
        <caption className="sr-only">Your usage per UTC day, the last 30 days, oldest first</caption>
        <thead className="bg-panel text-xs text-muted">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Day
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Tokens sent
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Tokens written
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Total tokens
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Answers
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Estimated cost
            </th>
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.date} className="border-t border-line" data-date={day.date}>
              <th scope="row" className="px-3 py-1.5 font-normal">
                {formatDay(day.date, undefined, true)}
              </th>
              <td className={cell}>{formatTokens(day.totals.promptTokens)}</td>
              <td className={cell}>{formatTokens(day.totals.completionTokens)}</td>
              <td className={cell}>{formatTokens(day.totals.totalTokens)}</td>
              <td className={cell}>{day.totals.replies.toLocaleString()}</td>
              <td className={cell}>{formatCost(day.totals.costMicros, day.totals.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
