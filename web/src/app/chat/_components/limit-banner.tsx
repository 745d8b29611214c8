import { Hourglass, RotateCw, X } from "lucide-react";
import Link from "next/link";
import { describeLimitRefusal, isShortLived, type LimitRefusal } from "~/lib/limit-refusal";

/**
 * The service refused a message because a limit was reached: what was reached and when it resets (in
 * the person's time), said as an alert. Dismissible; "Send again" only where waiting a moment helps
 * (rate, answers at once); a link to the usage page for budgets.
 */
export function LimitBanner(props: {
  limit: LimitRefusal;
  onRetry(): void;
  onDismiss(): void;
  /** The clock and zone to word the reset time in; the browser's own unless a test fixes them. */
  now?: Date;
  timeZone?: string;
}) {
  const text = describeLimitRefusal(props.limit, { now: props.now ?? new Date(), timeZone: props.timeZone });
  const budget = props.limit.reason.endsWith("_tokens") || props.limit.reason.endsWith("_cost");
  return (
    <div
      role="alert"
      data-testid="limit-banner"
      className="flex items-start gap-3 rounded-xl border border-warn/40 bg-warn/10 px-4 py-3 text-sm text-fg"
    >
      <Hourglass className="mt-0.5 size-4 shrink-0 text-warn" aria-hidden />
      <div className="flex flex-1 flex-wrap items-start gap-x-3 gap-y-2">
        <p className="flex-1 basis-60 leading-relaxed">
          <span className="font-medium">Your message was not sent.</span> {text}
        </p>
        {isShortLived(props.limit) && (
          <button
            type="button"
            onClick={props.onRetry}
            className="inline-flex shrink-0 items-center gap-1.5 rounded-lg border border-line bg-raised px-3 py-1.5 text-xs font-semibold shadow-xs hover:border-accent/40 hover:text-accent"
          >
            <RotateCw className="size-3.5" aria-hidden />
            Send again
          </button>
        )}
        {budget && (
          <Link href="/usage" className="shrink-0 self-center text-xs font-medium text-accent underline">
            See your usage
          </Link>
        )}
      </div>
      <button
        type="button"
        onClick={props.onDismiss}
        className="shrink-0 rounded p-1 text-muted hover:bg-line/60 hover:text-fg"
        aria-label="Dismiss"
      >
        <X className="size-4" aria-hidden />
      </button>
    </div>
  );
}
