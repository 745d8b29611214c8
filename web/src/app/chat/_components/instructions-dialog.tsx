"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { Spinner } from "~/components/spinner";
import { maxInstructionsBytes, maxPresetNameLength, type ChatInstructions } from "~/lib/instructions-types";
import { errorMessage, useTRPC } from "~/trpc/client";
import { PresetList } from "./preset-list";
import { trapTab } from "./trap-tab";

const focusable =
  "button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), summary";
const field =
  "rounded-lg border border-line bg-panel px-3 py-2 text-sm focus:border-accent disabled:opacity-60";

/**
 * A chat's instructions (its system prompt) on a native modal <dialog>: the service's default, or the
 * chat's own (empty: none at all); start from a preset, save the text as one, manage presets. Tab stays
 * inside; Escape cancels; focus goes back to what opened it.
 */
export function InstructionsDialog(props: {
  open: boolean;
  value: ChatInstructions;
  saving: boolean;
  error: string | null;
  onSave(value: ChatInstructions): void;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const ids = { title: useId(), text: useId(), preset: useId(), name: useId(), hint: useId() };
  const [custom, setCustom] = useState(props.value !== null);
  const [text, setText] = useState(props.value ?? "");
  const [presetName, setPresetName] = useState("");
  const [presetNote, setPresetNote] = useState<string | null>(null);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const presets = useQuery({ ...trpc.presets.list.queryOptions(), enabled: props.open });
  const savePreset = useMutation(
    trpc.presets.create.mutationOptions({
      onSuccess: (preset) => {
        setPresetName("");
        setPresetNote(`Saved as preset “${preset.name}”.`);
        void queryClient.invalidateQueries(trpc.presets.list.pathFilter());
      },
      onError: (error) => setPresetNote(errorMessage(error)),
    }),
  );

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setCustom(props.value !== null);
      setText(props.value ?? "");
      setPresetNote(null);
      element.showModal();
    }
    if (!props.open && element.open) {
      element.close();
      if (opener.current?.isConnected) opener.current.focus();
      opener.current = null;
    }
  }, [props.open, props.value]);

  function keepTabInside(event: KeyboardEvent<HTMLDialogElement>) {
    if (event.key !== "Tab") return;
    // What Tab reaches: shown, and of a radio group only its checked radio.
    const reachable = [...event.currentTarget.querySelectorAll<HTMLElement>(focusable)].filter(
      (element) =>
        element.offsetParent !== null &&
        !(element instanceof HTMLInputElement && element.type === "radio" && !element.checked),
    );
    trapTab(event, reachable);
  }

  const canSavePreset = !savePreset.isPending && presetName.trim() !== "" && text.trim() !== "";
  function saveAsPreset() {
    if (!canSavePreset) return;
    setPresetNote(null);
    savePreset.mutate({ name: presetName.trim(), instructions: text });
  }

  function pickPreset(id: string) {
    const preset = presets.data?.find((p) => p.id === id);
    if (!preset) return;
    setCustom(true);
    setText(preset.instructions);
  }

  return (
    <dialog
      ref={dialog}
      aria-labelledby={ids.title}
      onKeyDown={keepTabInside}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
      onClick={(event) => {
        if (event.target === dialog.current) props.onClose();
      }}
      data-testid="instructions-dialog"
      className="m-auto w-[calc(100%-2rem)] max-w-xl rounded-2xl border border-line bg-raised p-0 text-fg shadow-2xl backdrop:bg-black/40 backdrop:backdrop-blur-[2px]"
    >
      <form
        className="space-y-4 p-6"
        onSubmit={(event) => {
          event.preventDefault();
          props.onSave(custom ? text.trim() : null);
        }}
      >
        <h2 id={ids.title} className="text-lg font-semibold tracking-tight">
          Instructions
        </h2>
        <fieldset className="space-y-1 text-sm">
          <legend className="sr-only">Which instructions this chat follows</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="mode" checked={!custom} onChange={() => setCustom(false)} />
            <span>The default instructions</span>
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="mode" checked={custom} onChange={() => setCustom(true)} />
            <span>Instructions of this chat&apos;s own</span>
          </label>
        </fieldset>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.preset} className="text-sm font-medium">
            <span>Start from a preset</span>
          </label>
          <select
            id={ids.preset}
            value=""
            onChange={(event) => pickPreset(event.target.value)}
            disabled={!presets.data?.length}
            className={field}
          >
            <option value="">{presets.data?.length ? "Choose a preset…" : "No presets yet"}</option>
            {presets.data?.map((preset) => (
              <option key={preset.id} value={preset.id}>
                {preset.name}
              </option>
            ))}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.text} className="text-sm font-medium">
            <span>Instructions for this chat</span>
          </label>
          <textarea
            id={ids.text}
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setCustom(true);
            }}
            disabled={!custom}
            rows={6}
            maxLength={maxInstructionsBytes}
            aria-describedby={ids.hint}
            placeholder="e.g. You are a patient tutor. Explain step by step."
            className={`${field} resize-y`}
          />
          <p id={ids.hint} className="text-xs text-muted">
            Sent first with every message of this chat, in place of the default. Left empty, the chat has no
            instructions at all.
          </p>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.name} className="text-sm font-medium">
            <span>Save these instructions as a preset</span>
          </label>
          <div className="flex gap-2">
            <input
              id={ids.name}
              value={presetName}
              onChange={(event) => setPresetName(event.target.value)}
              onKeyDown={(event) => {
                // Enter here saves the preset, not the chat's instructions (the dialog's form).
                if (event.key !== "Enter") return;
                event.preventDefault();
                saveAsPreset();
              }}
              maxLength={maxPresetNameLength}
              placeholder="Preset name"
              className={`${field} min-w-0 flex-1`}
            />
            <button
              type="button"
              disabled={!canSavePreset}
              onClick={saveAsPreset}
              className="rounded-lg border border-line px-3 py-2 text-sm font-medium hover:bg-panel disabled:opacity-60"
            >
              Save as preset
            </button>
          </div>
          {presetNote && (
            <p role="status" className="text-xs text-muted">
              {presetNote}
            </p>
          )}
        </div>
        <details className="text-sm">
          <summary className="cursor-pointer font-medium">Manage presets</summary>
          <div className="mt-2">
            <PresetList presets={presets.data ?? []} />
          </div>
        </details>
        {props.error && (
          <p role="alert" className="text-sm text-danger">
            {props.error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button
            type="button"
            onClick={props.onClose}
            className="rounded-lg border border-line px-4 py-2 text-sm font-medium hover:bg-panel"
          >
            Cancel
          </button>
          <button
            type="submit"
            disabled={props.saving}
            className="inline-flex items-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90 disabled:opacity-60"
          >
            {props.saving && <Spinner />}
            Save instructions
          </button>
        </div>
      </form>
    </dialog>
  );
}
