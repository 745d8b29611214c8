import { describe, expect, it } from "vitest";
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { DomainError } from "../../domain/errors.js";
import { mapReplyStream } from "./reply-stream.js";

const started: ReplyEvent = {
  type: "started",
  chatId: "c",
  userMessageId: "u",
  replyId: "r",
  model: "m",
  context: null,
};
const delta: ReplyEvent = { type: "delta", text: "hi", offset: 0 };
const finished = (errorCode: "upstream.interrupted" | null): ReplyEvent => ({
  type: "finished",
  status: errorCode ? "incomplete" : "complete",
  finishReason: errorCode ? null : "stop",
  usage: null,
  error: errorCode ? "cut off" : null,
  errorCode,
  length: 2,
});

/** A reply's events that records what its consumer did with it. */
function events(list: ReplyEvent[]) {
  const log: string[] = [];
  const source: AsyncIterable<ReplyEvent> = {
    [Symbol.asyncIterator]() {
      let at = 0;
      return {
        next: async () => {
          log.push("next");
          return at < list.length ? { done: false, value: list[at++]! } : { done: true, value: undefined };
        },
        return: async () => {
          log.push("return");
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { source, log };
}

async function drain(stream: AsyncIterable<string>) {
  const seen: string[] = [];
  try {
    for await (const message of stream) seen.push(message);
    return { seen, error: null };
  } catch (error) {
    return { seen, error };
  }
}

describe("mapReplyStream", () => {
  it("maps every event and ends with the reply", async () => {
    const { source, log } = events([started, delta, finished(null)]);
    const { seen, error } = await drain(mapReplyStream(source, (event) => event.type));
    expect(seen).toEqual(["started", "delta", "finished"]);
    expect(error).toBeNull();
    expect(log).toEqual(["next", "next", "next", "next"]);
  });

  it("sends a reply's failed end, then closes the events and fails with its domain code", async () => {
    const { source, log } = events([started, delta, finished("upstream.interrupted"), delta]);
    const { seen, error } = await drain(mapReplyStream(source, (event) => event.type));
    expect(seen).toEqual(["started", "delta", "finished"]);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "upstream.interrupted", message: "cut off" });
    expect(log).toEqual(["next", "next", "next", "return"]);
  });

  it("closes the events when its consumer stops early", async () => {
    const { source, log } = events([started, delta, finished(null)]);
    for await (const message of mapReplyStream(source, (event) => event.type)) {
      if (message === "started") break;
    }
    expect(log).toEqual(["next", "return"]);
  });
});
