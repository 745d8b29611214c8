import { AlertCircle, RotateCw, X } from "lucide-react";

/** A failure the person can act on: what happened, and a button to try again. */
export function ErrorBanner(props: {
  message: string;
  actionLabel?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
  /** Narrow places (the sidebar): the button goes under the text. */
  stacked?: boolean;
}) {
  const retry = props.onRetry && (
    <button
      type="button"
      onClick={props.onRetry}
      className="inline-flex shrink-0 items-center gap-1.5 self-start rounded-lg bg-danger px-3 py-1.5 text-xs font-semibold text-danger-fg shadow-sm hover:opacity-90"
    >
      <RotateCw className="size-3.5" aria-hidden />
      {props.actionLabel ?? "Retry"}
    </button>
  );
  return (
    <div
      role="alert"
      className="flex items-start gap-3 rounded-xl border border-danger/30 bg-danger-soft px-4 py-3 text-sm text-danger"
    >
      <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className={props.stacked ? "flex flex-1 flex-col gap-2.5" : "flex flex-1 items-start gap-3"}>
        <p className="flex-1 leading-relaxed">{props.message}</p>
        {retry}
      </div>
      {props.onDismiss && (
        <button
          type="button"
          onClick={props.onDismiss}
          className="shrink-0 rounded p-1 hover:bg-danger/10"
          aria-label="Dismiss"
        >
          <X className="size-4" aria-hidden />
        </button>
      )}
    </div>
  );
}
