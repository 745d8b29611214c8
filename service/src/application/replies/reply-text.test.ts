import { describe, expect, it } from "vitest";
import type { ReplyEvent } from "./reply-events.js";
import { readWholeReply, withTextSoFar } from "./reply-text.js";
import { aFinished, aStarted } from "../../../test/support/reply-event-fixtures.js";

const started = aStarted;
const finished = aFinished(8);
const reply: ReplyEvent[] = [
  started,
  { type: "delta", text: "Hi ", offset: 0 },
  { type: "delta", text: "there", offset: 3 },
  finished,
];

async function* from(events: ReplyEvent[]) {
  yield* events;
}

describe("withTextSoFar", () => {
  it("pairs every event with the text up to and including it", async () => {
    const seen: [string, string][] = [];
    for await (const { event, text } of withTextSoFar(from(reply))) seen.push([event.type, text]);
    expect(seen).toEqual([
      ["started", ""],
      ["delta", "Hi "],
      ["delta", "Hi there"],
      ["finished", "Hi there"],
    ]);
  });
});

describe("readWholeReply", () => {
  it("returns the start, the whole text and the end, running onStarted before reading on", async () => {
    const order: string[] = [];
    async function* traced() {
      for (const event of reply) {
        order.push(event.type);
        yield event;
      }
    }
    const whole = await readWholeReply(traced(), async (event) => {
      order.push(`onStarted ${event.replyId}`);
    });
    expect(whole).toEqual({ started, text: "Hi there", finished });
    expect(order).toEqual(["started", "onStarted r", "delta", "delta", "finished"]);
  });

  it("has no end when the events stop before `finished`", async () => {
    expect(await readWholeReply(from(reply.slice(0, 2)))).toEqual({
      started,
      text: "Hi ",
      finished: null,
    });
  });
});
