import type { ReactNode } from "react";
import { Spinner } from "~/components/spinner";

/** The button under a list that fetches its next page, with a spinner while that page loads. */
export function LoadMoreButton(props: { loading: boolean; onClick(): void; children: ReactNode }) {
  return (
    <button
      type="button"
      onClick={props.onClick}
      disabled={props.loading}
      className="mt-3 flex w-full items-center justify-center gap-2 rounded-lg px-3 py-2 text-xs text-muted hover:bg-line/50"
    >
      {props.loading && <Spinner className="size-3" />}
      {props.children}
    </button>
  );
}
