"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { PageHeader } from "~/components/page-header";
import { useState } from "react";
import { ErrorBanner } from "~/app/chat/_components/error-banner";
import { Spinner } from "~/components/spinner";
import type { CreatedApiKey } from "~/lib/api-key-types";
import { errorMessage, useTRPC } from "~/trpc/client";
import { ApiKeyRow } from "./api-key-row";
import { CreateKeyForm } from "./create-key-form";
import { NewKeyPanel } from "./new-key-panel";

/**
 * The API keys page: a form to create a key, the new key once (with a copy button), and the list with
 * revoke. What happened is said in a polite live region; failures in an alert.
 */
export function ApiKeysView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.keys.list.queryOptions());
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.keys.list.pathFilter());

  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: async (result) => {
        setError(null);
        setCreated(result);
        setAnnouncement(`Key “${result.apiKey.name}” created. Copy it now: it will not be shown again.`);
        await refresh();
      },
      onError: (failure) => setError(`The key was not created. ${errorMessage(failure)}`),
    }),
  );

  return (
    <main className="mx-auto w-full max-w-3xl px-4 py-8 sm:px-6">
      <PageHeader icon={KeyRound} title="API keys" />
      <p className="mt-2 text-sm leading-relaxed text-muted">
        A personal API key lets your own tools (<code>buf curl</code>, a Connect or gRPC client, or{" "}
        <code>POST /chat</code>) talk to Parley as you: send it as{" "}
        <code>authorization: Bearer &lt;key&gt;</code> and leave <code>user_id</code> empty. Keep it secret;
        revoke it if it leaks.
      </p>

      <p className="sr-only" role="status" aria-live="polite" data-testid="keys-announcer">
        {announcement}
      </p>

      {error && (
        <div className="mt-6">
          <ErrorBanner message={error} onDismiss={() => setError(null)} />
        </div>
      )}

      <CreateKeyForm
        pending={create.isPending}
        onCreate={(input) => {
          setCreated(null);
          create.mutate(input);
        }}
      />

      {created && (
        <NewKeyPanel created={created} onDone={() => setCreated(null)} onAnnounce={setAnnouncement} />
      )}

      <section className="mt-10" aria-labelledby="your-keys">
        <h2 id="your-keys" className="text-lg font-semibold tracking-tight">
          Your keys
        </h2>
        {keys.isPending && (
          <div className="flex justify-center py-6 text-faint">
            <Spinner />
          </div>
        )}
        {keys.isError && (
          <div className="mt-3">
            <ErrorBanner
              message={`Could not load your keys. ${errorMessage(keys.error)}`}
              onRetry={() => void keys.refetch()}
            />
          </div>
        )}
        {keys.isSuccess && keys.data.length === 0 && (
          <p className="mt-3 text-sm text-muted">You have no API keys yet.</p>
        )}
        {keys.isSuccess && keys.data.length > 0 && (
          <div className="mt-3 overflow-x-auto rounded-xl border border-line">
            <table className="w-full text-left text-sm" data-testid="api-keys">
              <caption className="sr-only">Your API keys</caption>
              <thead className="bg-panel text-xs text-muted">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Name
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Key
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Created
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Expires
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Last used
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    <span className="sr-only">Status and actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((key) => (
                  <ApiKeyRow
                    key={key.id}
                    apiKey={key}
                    onRevoked={async (revoked) => {
                      setAnnouncement(`Key “${revoked.name}” revoked.`);
                      await refresh();
                    }}
                    onError={setError}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </main>
  );
}
