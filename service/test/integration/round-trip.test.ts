import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplyStatus, Role } from "@parley/gen/parley/chat/v1/chat_pb";
import { protocols, lastPrompt, startParley, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley();
});
afterAll(() => harness?.stop());

describe.each(protocols)("send → deltas → finished → stored → GetChat over %s", (protocol) => {
  it("streams deltas (never accumulated text) with code-point offsets and stores the answer", async () => {
    const client = harness.client(protocol);
    const deltas = ["Hello", " from", " the", " simulator", " 👋", "!"];
    harness.simulator.script({ deltas, paceMs: 5 });
    const userId = `user-${protocol}`;

    const events = [];
    for await (const response of client.sendMessage({ userId, text: "Say hello 🙂" }))
      events.push(response.event!.kind);

    const started = events[0]!;
    expect(started.case).toBe("started");
    if (started.case !== "started") return;
    expect(started.value.context).toMatchObject({
      contextWindow: 128_000,
      maxOutputTokens: 1_000,
      messagesLeftOut: 0,
    });
    // o200k_base: the system prompt and the question, before the answer.
    expect(started.value.context!.tokensUsed).toBe(17);
    const received = events.flatMap((e) => (e.case === "delta" ? [e.value] : []));
    expect(received.map((d) => d.text)).toEqual(deltas);
    expect(received.map((d) => d.offset)).toEqual([0, 5, 10, 14, 24, 26]);
    const finished = events.at(-1)!;
    expect(finished.case).toBe("finished");
    if (finished.case !== "finished") return;
    expect(finished.value).toMatchObject({ status: ReplyStatus.COMPLETE, finishReason: "stop", length: 27 });
    // The simulator's estimate, ceil(words × 1.3) (+ 4 per message and 3 for the prompt): 21 in, 7 out.
    expect(finished.value.usage).toMatchObject({ promptTokens: 21, completionTokens: 7, totalTokens: 28 });

    const chat = await client.getChat({ userId, chatId: started.value.chatId });
    expect(chat.chat?.title).toBe("Say hello 🙂");
    expect(chat.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      [Role.USER, "Say hello 🙂", ReplyStatus.COMPLETE],
      [Role.ASSISTANT, deltas.join(""), ReplyStatus.COMPLETE],
    ]);
    expect(chat.messages[1]!.id).toBe(started.value.replyId);
    expect(chat.messages[1]!.tokenCount).toBe(7); // o200k_base
    expect(chat.messages[1]!.usage).toMatchObject({ promptTokens: 21, completionTokens: 7, totalTokens: 28 });
    expect(chat.chat?.contextWindow).toBe(128_000);
    expect(chat.context).toMatchObject({
      tokensUsed: 21, // the prompt of the last answer, as the model counted it
      contextWindow: 128_000,
      maxOutputTokens: 1_000,
      messagesLeftOut: 0,
    });

    const request = harness.simulator.requests.at(-1)!;
    expect(request.body).toMatchObject({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "You are a test." },
        { role: "user", content: "Say hello 🙂" },
      ],
    });
  });
});

describe("a conversation", () => {
  it("continues with its history, lists chats newest first, renames and deletes", async () => {
    const client = harness.client("connect-h2");
    const userId = "user-conversation";
    const send = async (text: string, chatId = "") => {
      let id = "";
      for await (const { event } of client.sendMessage({ userId, chatId, text })) {
        if (event?.kind.case === "started") id = event.kind.value.chatId;
      }
      return id;
    };
    harness.simulator.script({ text: "First answer." }, { text: "Second answer." }, { text: "Other chat." });
    const chatId = await send("First question");
    await send("Second question", chatId);
    expect(lastPrompt(harness).map((m) => m.content)).toEqual([
      "You are a test.",
      "First question",
      "First answer.",
      "Second question",
    ]);
    const otherChat = await send("Another topic");

    const list = await client.listChats({ userId });
    expect(list.chats.map((c) => c.id)).toEqual([otherChat, chatId]);
    const firstPage = await client.listChats({ userId, pageSize: 1 });
    expect(firstPage.chats.map((c) => c.id)).toEqual([otherChat]);
    const secondPage = await client.listChats({ userId, pageSize: 1, pageToken: firstPage.nextPageToken });
    expect(secondPage.chats.map((c) => c.id)).toEqual([chatId]);
    expect(secondPage.nextPageToken).toBe("");

    const latest = await client.getChat({ userId, chatId, pageSize: 2 });
    expect(latest.messages.map((m) => m.content)).toEqual(["Second question", "Second answer."]);
    const older = await client.getChat({ userId, chatId, pageSize: 2, pageToken: latest.nextPageToken });
    expect(older.messages.map((m) => m.content)).toEqual(["First question", "First answer."]);

    const renamed = await client.renameChat({ userId, chatId, title: "  Renamed ✨ " });
    expect(renamed.chat?.title).toBe("Renamed ✨");
    await client.deleteChat({ userId, chatId });
    expect((await client.listChats({ userId })).chats.map((c) => c.id)).toEqual([otherChat]);
  });
});
