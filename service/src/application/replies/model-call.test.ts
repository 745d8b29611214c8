import { describe, expect, it } from "vitest";
import type { ChatModel, ModelEvent, ModelRequest } from "./chat-model.js";
import { ModelCall } from "./model-call.js";

const request: ModelRequest = {
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  maxOutputTokens: 10,
  temperature: 1,
};

/** A model that notes when its stream is called, when each step is pulled, and when it ends. */
function aModel(events: ModelEvent[], failAfter?: number) {
  const log: string[] = [];
  const model: ChatModel = {
    async *stream(_request, signal) {
      log.push("called");
      try {
        for (const [i, event] of events.entries()) {
          log.push(`pulled ${i}`);
          if (i === failAfter) throw new Error("upstream failed");
          signal.throwIfAborted();
          yield event;
        }
      } finally {
        log.push("ended");
      }
    },
  };
  return { model, log };
}

async function all(events: AsyncIterable<ModelEvent>) {
  const seen: ModelEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const script: ModelEvent[] = [
  { type: "accepted" },
  { type: "delta", text: "Hello" },
  { type: "finish", reason: "stop" },
];

describe("ModelCall", () => {
  it("sends the request as soon as its prompt is ready, before anyone consumes it", async () => {
    const { model, log } = aModel(script);
    const call = new ModelCall(model, Promise.resolve(request));
    await expect.poll(() => log).toEqual(["called", "pulled 0"]);
    expect(await all(call.events())).toEqual(script);
    expect(log).toEqual(["called", "pulled 0", "pulled 1", "pulled 2", "ended"]);
  });

  it("aborted before its prompt is ready: nothing is sent, the consumer gets the reason", async () => {
    const { model, log } = aModel(script);
    let ready!: (request: ModelRequest) => void;
    const call = new ModelCall(model, new Promise((resolve) => (ready = resolve)));
    call.abort(new Error("the turn was not stored"));
    ready(request);
    await expect(all(call.events())).rejects.toThrow("the turn was not stored");
    expect(log).toEqual([]);
  });

  it("a failure before anyone consumes it is held (not unhandled) and thrown to the consumer", async () => {
    const { model, log } = aModel(script, 0);
    const call = new ModelCall(model, Promise.resolve(request));
    await expect.poll(() => log).toEqual(["called", "pulled 0", "ended"]);
    await expect(all(call.events())).rejects.toThrow("upstream failed");
  });

  it("a prompt that could not be fitted is thrown to the consumer; nothing is sent", async () => {
    const { model, log } = aModel(script);
    const call = new ModelCall(model, Promise.reject(new Error("no history")));
    await expect(all(call.events())).rejects.toThrow("no history");
    expect(log).toEqual([]);
  });

  it("a consumer that stops after the first event ends the model's stream", async () => {
    const { model, log } = aModel(script);
    const call = new ModelCall(model, Promise.resolve(request));
    for await (const event of call.events()) {
      expect(event).toEqual({ type: "accepted" });
      break;
    }
    expect(log).toEqual(["called", "pulled 0", "ended"]);
  });
});
