"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { errorCode, trpcClient, TRPCProvider } from "~/trpc/client";

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 30_000,
            refetchOnWindowFocus: true,
            // A missing chat or a signed-out user will not get better by asking again.
            retry: (failures, error) =>
              failures < 2 && !["NOT_FOUND", "UNAUTHORIZED", "BAD_REQUEST"].includes(errorCode(error) ?? ""),
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
