"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { isWorthRetrying } from "~/lib/retry-policy";
import { failureFacts, trpcClient, TRPCProvider } from "~/trpc/client";

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 30_000,
            refetchOnWindowFocus: true,
            // A missing chat or a signed-out user will not get better by asking again; a database blip may.
            retry: (failures, error) => failures < 2 && isWorthRetrying(failureFacts(error)),
          },
        },
      }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
