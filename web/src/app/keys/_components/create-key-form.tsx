"use client";

import { Plus } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { Spinner } from "~/components/spinner";
import { keyExpiryChoices, maxKeyNameLength } from "~/lib/api-key-types";

/** Name and expiry of a new key. */
export function CreateKeyForm(props: {
  pending: boolean;
  onCreate(input: { name: string; expiresInDays: number | null }): void;
}) {
  const nameId = useId();
  const expiryId = useId();
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState("");

  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim().length === 0) return;
    props.onCreate({ name: name.trim(), expiresInDays: expiry === "" ? null : Number(expiry) });
    setName("");
  }

  return (
    <form
      onSubmit={submit}
      className="mt-8 rounded-xl border border-line bg-raised p-4 shadow-xs"
      aria-label="Create a key"
    >
      <h2 className="text-lg font-semibold tracking-tight">Create a key</h2>
      <div className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex flex-1 flex-col gap-1">
          <label htmlFor={nameId} className="text-sm font-medium">
            Name
          </label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={maxKeyNameLength}
            placeholder="e.g. laptop"
            className="rounded-lg border border-line bg-panel px-3 py-2 text-sm outline-none focus:border-accent"
          />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={expiryId} className="text-sm font-medium">
            Expires
          </label>
          <select
            id={expiryId}
            value={expiry}
            onChange={(event) => setExpiry(event.target.value)}
            className="rounded-lg border border-line bg-panel px-3 py-2 text-sm outline-none focus:border-accent"
          >
            {keyExpiryChoices.map((choice) => (
              <option key={choice.label} value={choice.days ?? ""}>
                {choice.days === null ? "Never" : `In ${choice.label}`}
              </option>
            ))}
          </select>
        </div>
        <button
          type="submit"
          disabled={props.pending || name.trim().length === 0}
          className="inline-flex items-center justify-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90 disabled:opacity-60"
        >
          {props.pending ? <Spinner /> : <Plus className="size-4" aria-hidden />}
          Create key
        </button>
      </div>
    </form>
  );
}
