"use client";

import { useMutation } from "@tanstack/react-query";
import { ScrollText } from "lucide-react";
import { useState } from "react";
import type { ChatInstructions } from "~/lib/instructions-types";
import { errorMessage, useTRPC } from "~/trpc/client";
import { InstructionsDialog } from "./instructions-dialog";

/**
 * The chat header's "Instructions" button and its dialog. For an existing chat a save is stored at once
 * (SetChatInstructions); for a new chat it is kept here and sent with the first message.
 */
export function InstructionsControl(props: {
  chatId: string | null;
  value: ChatInstructions;
  onChange(value: ChatInstructions): void;
  open: boolean;
  onOpenChange(open: boolean): void;
}) {
  const trpc = useTRPC();
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.chat.setInstructions.mutationOptions({
      onSuccess: (result) => {
        props.onChange(result.instructions);
        props.onOpenChange(false);
      },
      onError: (cause) => setError(errorMessage(cause)),
    }),
  );

  function onSave(value: ChatInstructions) {
    setError(null);
    if (props.chatId === null) {
      props.onChange(value);
      props.onOpenChange(false);
      return;
    }
    save.mutate({ chatId: props.chatId, instructions: value });
  }

  const custom = props.value !== null;
  return (
    <>
      <button
        type="button"
        onClick={() => {
          setError(null);
          props.onOpenChange(true);
        }}
        aria-haspopup="dialog"
        data-testid="instructions-button"
        className="inline-flex shrink-0 items-center gap-1.5 rounded-full border border-line bg-raised px-2.5 py-1 text-xs text-muted hover:text-fg"
      >
        <ScrollText className="size-3.5" aria-hidden />
        Instructions
        {custom && <span className="font-medium text-fg"> · custom</span>}
      </button>
      <InstructionsDialog
        open={props.open}
        value={props.value}
        saving={save.isPending}
        error={error}
        onSave={onSave}
        onClose={() => props.onOpenChange(false)}
      />
    </>
  );
}
