/**
 * The turn transaction (the user's message and the reply's row, in one transaction), its pre-read (the
 * plain read beside it that may start the model call first, see turn.ts) and the reply's final write as
 * spans; every other repository call passes through untouched.
 */
import { context, SpanKind } from "@opentelemetry/api";
import type { ChatRepository, NewTurn } from "../../application/chats/chat-repository.js";
import { failSpan, tracer } from "./tracer.js";

const traced: Partial<Record<keyof ChatRepository, string>> = {
  readTurn: "turn pre-read",
  startTurn: "turn transaction",
  finishReply: "final write",
};

export function traceRepository(repository: ChatRepository): ChatRepository {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const name = traced[property as keyof ChatRepository];
      if (!name || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "startTurn") args = [callerContextHook(args[0] as NewTurn)];
        return tracer.startActiveSpan(
          name,
          { kind: SpanKind.CLIENT, attributes: { "db.system": "mysql" } },
          async (span) => {
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } catch (error) {
              failSpan(span, error);
              throw error;
            } finally {
              span.end();
            }
          },
        );
      };
    },
  });
}

/**
 * The model call a turn starts inside its transaction (`onChecked`) belongs to the caller, beside the
 * transaction, as when it starts after the commit: its span is the caller's child, not the transaction's.
 */
function callerContextHook(turn: NewTurn): NewTurn {
  const { onChecked } = turn;
  if (!onChecked) return turn;
  const caller = context.active();
  return { ...turn, onChecked: (checked) => context.with(caller, () => onChecked(checked)) };
}
