import { Code2, Lightbulb, ListChecks, PenLine } from "lucide-react";
import type { ReactNode } from "react";

const suggestions = [
  { icon: Lightbulb, text: "Explain how HTTP/2 streaming works, simply" },
  { icon: Code2, text: "Write a TypeScript function that debounces another function" },
  { icon: ListChecks, text: "Give me a checklist for reviewing a pull request" },
  { icon: PenLine, text: "Help me write a friendly reminder email" },
];

/**
 * The new-chat page before the first message: a greeting, the model picker (when there is one), the
 * chat's instructions (the default, or its own) and a few prompts to start from.
 */
export function EmptyState(props: {
  onPick(text: string): void;
  disabled: boolean;
  /** The model picker, when there is one. */
  picker?: ReactNode;
  customInstructions: boolean;
  onInstructions(): void;
}) {
  const { onPick, disabled, picker } = props;
  return (
    <div className="mx-auto flex w-full max-w-3xl flex-1 flex-col items-center justify-center px-4 py-10">
      <h1 className="text-center text-3xl font-semibold tracking-tight sm:text-4xl">How can I help today?</h1>
      <p className="mt-3 text-center text-muted">Ask anything. Answers appear as they are written.</p>
      {picker && <div className="mt-5">{picker}</div>}
      <p className="mt-2 text-center text-sm text-muted">
        {props.customInstructions ? "This chat has instructions of its own. " : "Default instructions. "}
        <button
          type="button"
          onClick={props.onInstructions}
          className="font-medium text-fg underline underline-offset-2 hover:no-underline"
        >
          {props.customInstructions ? "Change instructions" : "Give this chat instructions"}
        </button>
      </p>
      <div className="mt-10 grid w-full gap-3 sm:grid-cols-2">
        {suggestions.map(({ icon: Icon, text }) => (
          <button
            key={text}
            type="button"
            disabled={disabled}
            onClick={() => onPick(text)}
            className="group flex items-start gap-3 rounded-xl border border-line bg-raised p-4 text-left text-sm shadow-xs transition hover:border-accent/40 hover:bg-accent-soft disabled:opacity-50"
          >
            <Icon className="mt-0.5 size-4 shrink-0 text-accent" aria-hidden />
            <span className="text-muted group-hover:text-fg">{text}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
