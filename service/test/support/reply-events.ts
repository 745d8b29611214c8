/**
 * A reply stream read to its end as its events' `kind`s, and the parts tests look at: the text, the
 * `started` and the `finished` event (each throws when it is not where it belongs).
 */
import type { ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";

export type ReplyKind = ReplyEvent["kind"];

export async function collect(stream: AsyncIterable<{ event?: ReplyEvent }>): Promise<ReplyKind[]> {
  const events: ReplyKind[] = [];
  for await (const response of stream) events.push(response.event!.kind);
  return events;
}

export const textOf = (events: ReplyKind[]) =>
  events.map((e) => (e.case === "delta" ? e.value.text : "")).join("");

export function startedOf(events: ReplyKind[]) {
  const first = events[0];
  if (first?.case !== "started") throw new Error(`no started event: ${first?.case}`);
  return first.value;
}

export function finishedOf(events: ReplyKind[]) {
  const last = events.at(-1);
  if (last?.case !== "finished") throw new Error(`no finished event: ${last?.case}`);
  return last.value;
}
