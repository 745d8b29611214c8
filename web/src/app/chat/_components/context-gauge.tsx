import type { ContextStats } from "~/lib/chat-types";

function compact(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
  if (tokens >= 1_000) return `${(tokens / 1_000).toFixed(1).replace(/\.0$/, "")}k`;
  return String(tokens);
}

/** How much of the model's context window the last prompt used: a ring and "1.2k / 128k". */
export function ContextGauge({ stats }: { stats: ContextStats | null }) {
  if (!stats || stats.contextWindow === 0) return null;
  const share = Math.min(1, stats.tokensUsed / stats.contextWindow);
  const percent = Math.round(share * 100);
  const colour = share > 0.9 ? "text-danger" : share > 0.7 ? "text-warn" : "text-ok";
  const radius = 8;
  const circumference = 2 * Math.PI * radius;
  const details = [
    `${stats.tokensUsed.toLocaleString()} of ${stats.contextWindow.toLocaleString()} tokens in the context window (${percent}%)`,
    `${stats.maxOutputTokens.toLocaleString()} reserved for the answer`,
    ...(stats.systemPromptTokens
      ? [`${stats.systemPromptTokens.toLocaleString()} of them the instructions, always sent`]
      : []),
    stats.messagesLeftOut > 0
      ? `${stats.messagesLeftOut} older message${stats.messagesLeftOut === 1 ? "" : "s"} left out to fit`
      : "the whole conversation fits",
  ].join("\n");
  return (
    <div
      className="flex items-center gap-2 rounded-full border border-line bg-raised px-2.5 py-1 text-xs text-muted"
      title={details}
      aria-label={`Context: ${stats.tokensUsed} of ${stats.contextWindow} tokens used`}
      data-testid="context-gauge"
    >
      <svg viewBox="0 0 20 20" className="size-4 -rotate-90" aria-hidden>
        <circle
          cx="10"
          cy="10"
          r={radius}
          fill="none"
          stroke="currentColor"
          strokeWidth="3"
          className="text-line"
        />
        <circle
          cx="10"
          cy="10"
          r={radius}
          fill="none"
          stroke="currentColor"
          strokeWidth="3"
          strokeLinecap="round"
          strokeDasharray={`${Math.max(share * circumference, 1.5)} ${circumference}`}
          className={colour}
        />
      </svg>
      <span className="tabular-nums">
        {compact(stats.tokensUsed)} / {compact(stats.contextWindow)}
      </span>
      {stats.messagesLeftOut > 0 && (
        <span className="hidden text-warn sm:inline">· {stats.messagesLeftOut} left out</span>
      )}
    </div>
  );
}
