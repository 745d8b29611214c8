"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type KeyboardEvent } from "react";
import { maxPresetNameLength, type PresetView } from "~/lib/instructions-types";
import { errorMessage, useTRPC } from "~/trpc/client";

/** Manages the user's presets: rename or delete each (using one is the dialog's preset picker). */
export function PresetList({ presets }: { presets: PresetView[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.presets.list.pathFilter());
  const onError = (cause: unknown) => setError(errorMessage(cause));
  const rename = useMutation(trpc.presets.update.mutationOptions({ onSuccess: refresh, onError }));
  const remove = useMutation(trpc.presets.delete.mutationOptions({ onSuccess: refresh, onError }));

  if (presets.length === 0) return <p className="text-sm text-muted">No presets yet.</p>;
  return (
    <div>
      {error && (
        <p role="alert" className="mb-2 text-sm text-danger">
          {error}
        </p>
      )}
      <ul className="space-y-2" aria-label="Your presets">
        {presets.map((preset) => (
          <PresetRow
            key={preset.id}
            preset={preset}
            busy={rename.isPending || remove.isPending}
            onRename={(name) => {
              setError(null);
              rename.mutate({ presetId: preset.id, name });
            }}
            onDelete={() => {
              setError(null);
              remove.mutate({ presetId: preset.id });
            }}
          />
        ))}
      </ul>
    </div>
  );
}

function PresetRow(props: {
  preset: PresetView;
  busy: boolean;
  onRename(name: string): void;
  onDelete(): void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(props.preset.name);
  const inputId = useId();

  function submit() {
    if (name.trim().length === 0) return;
    props.onRename(name.trim());
    setEditing(false);
  }

  // Not a <form>: this sits inside the instructions dialog's form. Enter saves, Escape cancels (and
  // does not close the dialog).
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setEditing(false);
    }
  }

  if (editing) {
    return (
      <li>
        <div className="flex items-center gap-2">
          <label htmlFor={inputId} className="sr-only">
            <span>New name for {props.preset.name}</span>
          </label>
          <input
            id={inputId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={maxPresetNameLength}
            onKeyDown={onKeyDown}
            required
            autoFocus
            className="min-w-0 flex-1 rounded-lg border border-line bg-panel px-2 py-1 text-sm focus:border-accent"
          />
          <button
            type="button"
            onClick={submit}
            className="rounded-lg border border-line px-2 py-1 text-sm hover:bg-panel"
          >
            Save name
          </button>
          <button
            type="button"
            onClick={() => setEditing(false)}
            className="rounded-lg px-2 py-1 text-sm text-muted hover:bg-panel"
          >
            Cancel
          </button>
        </div>
      </li>
    );
  }
  return (
    <li className="flex items-center gap-2 text-sm">
      <span className="min-w-0 flex-1 truncate" title={props.preset.instructions}>
        {props.preset.name}{" "}
        <span className="text-xs text-muted">({props.preset.tokenCount.toLocaleString()} tokens)</span>
      </span>
      <button
        type="button"
        disabled={props.busy}
        onClick={() => setEditing(true)}
        aria-label={`Rename preset ${props.preset.name}`}
        className="rounded-lg border border-line px-2 py-1 hover:bg-panel disabled:opacity-60"
      >
        Rename
      </button>
      <button
        type="button"
        disabled={props.busy}
        onClick={props.onDelete}
        aria-label={`Delete preset ${props.preset.name}`}
        className="rounded-lg border border-line px-2 py-1 text-danger hover:bg-panel disabled:opacity-60"
      >
        Delete
      </button>
    </li>
  );
}
