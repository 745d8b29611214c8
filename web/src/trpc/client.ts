/**
 * The browser's tRPC client: queries and mutations batched over POST/GET, subscriptions over SSE
 * (EventSource: same-origin, so the session cookie goes along). Only the router's type is imported.
 * Components reach procedures through TanStack Query (`useTRPC()`: query options and keys derived from
 * the router); the live-reply store, which lives outside React, uses `trpcClient` directly.
 */
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { maxBatchSize } from "~/lib/batch-limit";
import { toLimitRefusal, type LimitRefusal } from "~/lib/limit-refusal";
import type { FailureFacts } from "~/lib/retry-policy";
import type { AppRouter } from "~/server/trpc/root";

const url = "/api/trpc";

export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({ url }),
      false: httpBatchLink({ url, maxItems: maxBatchSize }),
    }),
  ],
});

export type TrpcClient = typeof trpcClient;

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** A message fit for a person, from any error a tRPC call can raise. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    if (code === "UNAUTHORIZED") return "Your session has ended. Please sign in again.";
    if (code) return error.message;
    return "The connection to Parley was lost. Check your network and try again.";
  }
  return "Something went wrong. Please try again.";
}

/** What the BFF said about a failure: the tRPC code (e.g. "NOT_FOUND") and the service's reason. */
export function failureFacts(error: unknown): FailureFacts {
  if (!(error instanceof TRPCClientError)) return { code: null, reason: null };
  const data = error.data as { code?: string; reason?: string | null } | undefined;
  return { code: data?.code ?? null, reason: data?.reason ?? null };
}

/** Whether the failure is the network's: the BFF never answered (no tRPC code), so nothing may have run. */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof TRPCClientError && failureFacts(error).code === null;
}

/** The limit the service refused a message for (e.g. today's tokens), or null for any other failure. */
export function limitRefusal(error: unknown): LimitRefusal | null {
  if (!(error instanceof TRPCClientError)) return null;
  return toLimitRefusal((error.data ?? {}) as Parameters<typeof toLimitRefusal>[0]);
}
