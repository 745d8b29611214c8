"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "~/app/chat/_components/confirm-dialog";
import type { ApiKeyView } from "~/lib/api-key-types";
import { errorMessage, useTRPC } from "~/trpc/client";

const formatDate = (iso: string | null, fallback: string) =>
  iso
    ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })
    : fallback;

/** One key: what is known about it, and a revoke button behind a confirmation. */
export function ApiKeyRow(props: {
  apiKey: ApiKeyView;
  onRevoked(key: ApiKeyView): Promise<void>;
  onError(message: string): void;
}) {
  const { apiKey } = props;
  const trpc = useTRPC();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation(
    trpc.keys.revoke.mutationOptions({
      onSuccess: async (revoked) => {
        setConfirming(false);
        await props.onRevoked(revoked);
      },
      onError: (failure) => {
        setConfirming(false);
        props.onError(`The key was not revoked. ${errorMessage(failure)}`);
      },
    }),
  );
  const [now] = useState(() => Date.now());
  const expired = apiKey.expiresAt !== null && Date.parse(apiKey.expiresAt) <= now;

  return (
    <tr className="border-t border-line" data-testid="api-key" data-key-id={apiKey.id}>
      <th scope="row" className="px-3 py-2 font-medium">
        {apiKey.name}
      </th>
      <td className="px-3 py-2 font-mono text-xs">{apiKey.prefix}…</td>
      <td className="px-3 py-2">{formatDate(apiKey.createdAt, "")}</td>
      <td className="px-3 py-2">{formatDate(apiKey.expiresAt, "Never")}</td>
      <td className="px-3 py-2">{formatDate(apiKey.lastUsedAt, "Never")}</td>
      <td className="px-3 py-2 text-right">
        {apiKey.revokedAt ? (
          <span className="text-xs text-muted">Revoked</span>
        ) : (
          <>
            {expired && <span className="mr-2 text-xs text-muted">Expired</span>}
            <button
              type="button"
              onClick={() => setConfirming(true)}
              aria-label={`Revoke the key ${apiKey.name}`}
              className="rounded-lg border border-line px-3 py-1 text-xs font-medium text-danger hover:bg-danger-soft"
            >
              Revoke
            </button>
            <ConfirmDialog
              open={confirming}
              title={`Revoke the key “${apiKey.name}”?`}
              body={`Anything using ${apiKey.prefix}… stops working within seconds. This cannot be undone.`}
              confirmLabel="Revoke key"
              pending={revoke.isPending}
              onConfirm={() => revoke.mutate({ keyId: apiKey.id })}
              onCancel={() => setConfirming(false)}
            />
          </>
        )}
      </td>
    </tr>
  );
}
