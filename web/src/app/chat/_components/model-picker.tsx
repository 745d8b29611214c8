"use client";

import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import type { ModelOption } from "~/lib/model-types";
import { useTRPC } from "~/trpc/client";

/** The configured models (the default first), fetched once per page and shared by every picker. */
export function useModels() {
  const trpc = useTRPC();
  return useQuery(trpc.models.list.queryOptions(undefined, { staleTime: 5 * 60_000, retry: 1 }));
}

/** "128k" for a window of 128 000 tokens. */
function windowLabel(model: ModelOption): string {
  const k = model.contextWindow / 1000;
  return `${Number.isInteger(k) ? k : k.toFixed(1)}k`;
}

/**
 * A native select of the configured models: keyboard and screen readers get the platform's own control.
 * `value` null means the default model. Renders nothing until the list has come (or when it failed).
 */
export function ModelPicker({
  value,
  onChange,
  disabled,
  className = "",
}: {
  value: string | null;
  onChange(model: string): void;
  disabled?: boolean;
  className?: string;
}) {
  const id = useId();
  const models = useModels();
  if (!models.data || models.data.models.length === 0) return null;
  const selected = value ?? models.data.defaultModel;
  const known = models.data.models.some((model) => model.id === selected);
  return (
    <div className={`flex items-center gap-2 text-xs ${className}`}>
      <label htmlFor={id} className="sr-only text-muted sm:not-sr-only">
        <span>Model</span>
      </label>
      <select
        id={id}
        value={selected}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        data-testid="model-picker"
        className="max-w-28 truncate sm:max-w-48 rounded-md border border-line bg-raised px-2 py-1 text-xs text-fg focus-visible:outline-2 focus-visible:outline-accent disabled:opacity-50"
      >
        {!known && <option value={selected}>{selected} (no longer offered)</option>}
        {models.data.models.map((model) => (
          <option key={model.id} value={model.id}>
            {model.displayName} · {windowLabel(model)}
          </option>
        ))}
      </select>
    </div>
  );
}
