/**
 * models.list, chat.setModel and chat.send's `model`, called in-process against a real service process
 * with no key: its simulator serves two models, and names the one that answered in the text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBffHarness, type BffHarness, type TestUser } from "../support/bff-harness";
import { collect, rejection } from "../support/trpc-probes";

let bff: BffHarness;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  bff = await startBffHarness({ paceMs: 1 });
  alice = await bff.signUp("Alice");
  bob = await bff.signUp("Bob");
});

afterAll(() => bff?.stop());

describe("models", () => {
  it("lists the service's models, the default first, with their windows", async () => {
    const caller = await bff.callerFor(alice.headers);
    expect(await caller.models.list()).toEqual({
      defaultModel: "gpt-4o-mini",
      models: [
        {
          id: "gpt-4o-mini",
          displayName: "gpt-4o-mini (simulated, fast)",
          providerId: "simulator",
          contextWindow: 128_000,
          maxOutputTokens: 1024,
        },
        {
          id: "simulated-gpt-4",
          displayName: "GPT-4 (simulated, smart, 8K window)",
          providerId: "simulator",
          contextWindow: 8192,
          maxOutputTokens: 1024,
        },
      ],
    });
    const signedOut = await bff.callerFor(new Headers());
    expect((await rejection(signedOut.models.list())).code).toBe("UNAUTHORIZED");
  });

  it("sends a new chat to the model named, and moves a chat to another model", async () => {
    const caller = await bff.callerFor(alice.headers);
    const received = await collect(
      await caller.chat.send({ text: "Who answers?", model: "simulated-gpt-4" }),
    );
    const started = received[0]?.event;
    if (started?.type !== "started") throw new Error("no started event");
    expect([started.model, started.context?.contextWindow]).toEqual(["simulated-gpt-4", 8192]);
    const text = received.map(({ event }) => (event.type === "delta" ? event.text : "")).join("");
    expect(text).toContain("simulated reply by gpt-4:");

    const moved = await caller.chat.setModel({ chatId: started.chatId, model: "gpt-4o-mini" });
    expect(moved.model).toBe("gpt-4o-mini");
    expect((await caller.chat.get({ chatId: started.chatId })).chat.model).toBe("gpt-4o-mini");

    const bobs = await bff.callerFor(bob.headers);
    const notHis = await rejection(bobs.chat.setModel({ chatId: started.chatId, model: "gpt-4o-mini" }));
    expect(notHis.code).toBe("NOT_FOUND");
  });

  it("refuses a model the service does not offer", async () => {
    const caller = await bff.callerFor(alice.headers);
    const { id: chatId } = (await caller.chat.list()).chats[0]!;
    const refused = await rejection(caller.chat.setModel({ chatId, model: "gpt-9000" }));
    expect([refused.code, refused.message]).toEqual([
      "BAD_REQUEST",
      "That model is no longer offered. Pick another one.",
    ]);
  });
});
