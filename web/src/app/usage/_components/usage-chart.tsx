"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DailyUsage } from "~/lib/usage-types";
import { compactTokens, formatDay } from "./format-usage";
import { UsageTable } from "./usage-table";

/**
 * The last 30 days as stacked bars (tokens sent, tokens written). The chart is a picture for sighted
 * mouse users; its text alternative is the table of the same days, always there for screen readers and
 * shown on request for everyone else (e.g. keyboard users, who get no hover tooltips).
 */
export function UsageChart({ days }: { days: DailyUsage[] }) {
  const [tableShown, setTableShown] = useState(false);
  const data = days.map((day) => ({
    label: formatDay(day.date),
    longLabel: formatDay(day.date, undefined, true),
    sent: day.totals.promptTokens,
    written: day.totals.completionTokens,
  }));
  return (
    <section aria-labelledby="days-heading" className="mt-10">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="days-heading" className="text-lg font-semibold tracking-tight">
          Last 30 days
        </h2>
        <button
          type="button"
          aria-expanded={tableShown}
          aria-controls="usage-table"
          onClick={() => setTableShown((shown) => !shown)}
          className="rounded-lg border border-line bg-raised px-3 py-1.5 text-xs font-medium hover:border-accent/40 hover:text-accent"
        >
          {tableShown ? "Hide the table" : "Show as a table"}
        </button>
      </div>
      <figure className="mt-3 rounded-xl border border-line bg-raised p-4 shadow-xs">
        <div className="h-64 w-full" aria-hidden data-testid="usage-chart">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart
              data={data}
              accessibilityLayer={false}
              margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
            >
              <CartesianGrid vertical={false} stroke="var(--color-line)" />
              <XAxis
                dataKey="label"
                tick={{ fill: "var(--color-muted)", fontSize: 11 }}
                tickLine={false}
                axisLine={{ stroke: "var(--color-line)" }}
                interval="preserveStartEnd"
                minTickGap={16}
              />
              <YAxis
                tickFormatter={(value: number) => compactTokens(value)}
                tick={{ fill: "var(--color-muted)", fontSize: 11 }}
                tickLine={false}
                axisLine={false}
                width={44}
                allowDecimals={false}
              />
              <Tooltip
                cursor={{ fill: "var(--color-line)", opacity: 0.4 }}
                labelFormatter={(_, payload) => payload[0]?.payload.longLabel ?? ""}
                formatter={(value) => Number(value).toLocaleString()}
                contentStyle={{
                  background: "var(--color-raised)",
                  border: "1px solid var(--color-line)",
                  borderRadius: 8,
                  fontSize: 12,
                }}
              />
              <Bar
                dataKey="sent"
                name="Tokens sent"
                stackId="tokens"
                fill="var(--color-accent)"
                fillOpacity={0.45}
              />
              <Bar
                dataKey="written"
                name="Tokens written"
                stackId="tokens"
                fill="var(--color-accent)"
                radius={[3, 3, 0, 0]}
              />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted">
          <span>Tokens per UTC day, oldest first.</span>
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-accent/45" aria-hidden />
            Sent to the model
          </span>
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-accent" aria-hidden />
            Written by it
          </span>
        </figcaption>
      </figure>
      <UsageTable days={days} shown={tableShown} />
    </section>
  );
}
