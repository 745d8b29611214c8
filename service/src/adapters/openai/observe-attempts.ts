/**
 * Reports each HTTP attempt the SDK makes (its own retries included) to `onAttempt`: whether it retried
 * an earlier one (the SDK numbers attempts in `x-stainless-retry-count`) and the status it got (null
 * when no response came). For metrics; the response itself passes through untouched.
 */
import type { ClientOptions } from "openai";

type Fetch = NonNullable<ClientOptions["fetch"]>;

/** One HTTP attempt at the model's API. */
export interface UpstreamAttempt {
  retry: boolean;
  status: number | null;
}

export function observeAttempts(fetchImpl: Fetch, onAttempt: (attempt: UpstreamAttempt) => void): Fetch {
  return async (input, init) => {
    const retry = Number(new Headers(init?.headers).get("x-stainless-retry-count") ?? "0") > 0;
    try {
      const response = await fetchImpl(input, init);
      onAttempt({ retry, status: response.status });
      return response;
    } catch (error) {
      onAttempt({ retry, status: null });
      throw error;
    }
  };
}
