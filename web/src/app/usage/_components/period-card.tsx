import type { UsageTotals } from "~/lib/usage-types";
import { againstLimit, formatCost, formatReset, formatTokens } from "./format-usage";

/** A period's figures (today, this month): tokens and cost against their limits, and answers. */
export function PeriodCard(props: {
  id: string;
  title: string;
  totals: UsageTotals;
  tokenLimit: number;
  tokensLeft: number;
  costLimitMicros: number;
  costLeftMicros: number;
  resetsAt: string | null;
}) {
  const { totals } = props;
  const tokens = againstLimit(props.tokenLimit, props.tokensLeft, (value) => formatTokens(value));
  const cost = againstLimit(props.costLimitMicros, props.costLeftMicros, (value) =>
    formatCost(value, totals.currency),
  );
  const reset = formatReset(props.resetsAt);
  const headingId = `${props.id}-heading`;
  return (
    <section
      aria-labelledby={headingId}
      className="rounded-xl border border-line bg-raised p-5 shadow-xs"
      data-testid={`usage-${props.id}`}
    >
      <h2 id={headingId} className="text-lg font-semibold tracking-tight">
        {props.title}
      </h2>
      <dl className="mt-4 space-y-4 text-sm">
        <div>
          <dt className="text-muted">Tokens</dt>
          <dd className="mt-0.5">
            <span className="text-xl font-semibold tabular-nums" data-testid={`${props.id}-tokens`}>
              {formatTokens(totals.totalTokens)}
            </span>{" "}
            <span className="text-muted">
              {tokens.limited ? tokens.text : `· ${tokens.text.toLowerCase()}`}
            </span>
            <Bar share={tokens.share} shown={tokens.limited} />
            <p className="mt-1 text-xs text-faint">
              {formatTokens(totals.promptTokens)} sent · {formatTokens(totals.completionTokens)} written
            </p>
          </dd>
        </div>
        <div>
          <dt className="text-muted">Estimated cost</dt>
          <dd className="mt-0.5">
            <span className="text-xl font-semibold tabular-nums" data-testid={`${props.id}-cost`}>
              {formatCost(totals.costMicros, totals.currency)}
            </span>{" "}
            <span className="text-muted">
              {totals.currency} · {cost.limited ? cost.text : cost.text.toLowerCase()}
            </span>
            <Bar share={cost.share} shown={cost.limited} />
          </dd>
        </div>
        <div>
          <dt className="text-muted">Answers</dt>
          <dd className="mt-0.5">
            <span className="text-xl font-semibold tabular-nums" data-testid={`${props.id}-answers`}>
              {totals.replies.toLocaleString()}
            </span>
            {totals.estimatedReplies > 0 && (
              <span className="text-muted">
                {" "}
                · {totals.estimatedReplies.toLocaleString()} estimated by Parley
              </span>
            )}
          </dd>
        </div>
      </dl>
      {reset && (tokens.limited || cost.limited) && (
        <p className="mt-4 text-xs text-muted">{reset} (your time)</p>
      )}
    </section>
  );
}

/** How much of a limit is used, as a bar (the words beside it say the same, for screen readers). */
function Bar({ share, shown }: { share: number; shown: boolean }) {
  if (!shown) return null;
  const colour = share >= 1 ? "bg-danger" : share > 0.8 ? "bg-warn" : "bg-accent";
  return (
    <div className="mt-2 h-1.5 overflow-hidden rounded-full bg-line" aria-hidden>
      <div className={`h-full rounded-full ${colour}`} style={{ width: `${Math.round(share * 100)}%` }} />
    </div>
  );
}
