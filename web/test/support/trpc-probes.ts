/** Helpers for tests that call the tRPC router directly (through a caller): errors and subscriptions. */
import { isTrackedEnvelope, TRPCError } from "@trpc/server";
import { expect } from "vitest";
import type { ReplyEvent } from "~/lib/chat-types";

/** The TRPCError a call rejected with (the test fails if it resolved or threw something else). */
export async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** One event of a subscription with its tracked id (`<replyId>:<offset>`). */
export interface Received {
  id: string;
  event: ReplyEvent;
}

/** Reads a subscription's events, optionally stopping after `until` says so; every one must be tracked. */
export async function collect(
  iterable: AsyncIterable<unknown>,
  until: (received: Received[]) => boolean = () => false,
): Promise<Received[]> {
  const received: Received[] = [];
  for await (const item of iterable) {
    if (!isTrackedEnvelope(item)) throw new Error(`untracked event: ${JSON.stringify(item)}`);
    received.push({ id: item[0], event: item[1] as ReplyEvent });
    if (until(received)) break;
  }
  return received;
}
