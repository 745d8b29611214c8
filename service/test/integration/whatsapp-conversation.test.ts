import { describe, expect, it } from "vitest";
import { whatsAppTexts } from "../../src/domain/whatsapp-commands.js";
import { whatsAppMaxLength } from "../../src/domain/message-parts.js";
import { aSender, inbound, until, useWhatsAppParley } from "../support/whatsapp-harness.js";

const harness = useWhatsAppParley();

/** The prompt the model got for the latest request, as role: content lines. */
const lastPrompt = () =>
  (harness.simulator.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages.map(
    (m) => `${m.role}: ${m.content}`,
  );

const chatsOf = async (sender: string) =>
  (await harness.client().listChats({ userId: sender })).chats.map((chat) => chat.id);

describe("a WhatsApp conversation", () => {
  it("continues across messages in the sender's own chat (user_id = the sender)", async () => {
    const sender = aSender();
    harness.simulator.script({ text: "Paris." }, { text: "About 2.1 million." });
    await harness.say(sender, "What is the capital of France?");
    await harness.say(sender, "How many people live there?");
    expect(harness.sentTo(sender)).toEqual(["Paris.", "About 2.1 million."]);
    expect(lastPrompt()).toEqual([
      "system: You are a test.",
      "user: What is the capital of France?",
      "assistant: Paris.",
      "user: How many people live there?",
    ]);
    const chats = await chatsOf(sender);
    expect(chats).toHaveLength(1);
    expect((await harness.turns(sender)).map((turn) => turn["chat_id"])).toEqual([chats[0], chats[0]]);
    // Another sender's messages are not in this conversation.
    const other = aSender();
    await harness.say(other, "Hello?");
    expect(lastPrompt()).toEqual(["system: You are a test.", "user: Hello?"]);
  });

  it("starts a new chat on /new, with or without a first message", async () => {
    const sender = aSender();
    await harness.say(sender, "First topic");
    await harness.say(sender, "/new");
    const requestsBefore = harness.simulator.requests.length;
    expect(harness.sentTo(sender).at(-1)).toBe(whatsAppTexts.newChat);
    await harness.say(sender, "Second topic");
    expect(harness.simulator.requests.length).toBe(requestsBefore + 1);
    expect(lastPrompt()).toEqual(["system: You are a test.", "user: Second topic"]);
    await harness.say(sender, "/NEW Third topic");
    expect(lastPrompt()).toEqual(["system: You are a test.", "user: Third topic"]);
    expect(await chatsOf(sender)).toHaveLength(3);
  });

  it("writes the last answer again on /retry, continuing the conversation from the new answer", async () => {
    const sender = aSender();
    await harness.say(sender, "/retry");
    expect(harness.sentTo(sender)).toEqual([whatsAppTexts.nothingToRetry]);
    expect(harness.simulator.requests).toHaveLength(0);

    harness.simulator.script(
      { text: "Paris." },
      { text: "Paris, on the Seine." },
      { text: "About 2.1 million." },
    );
    await harness.say(sender, "What is the capital of France?");
    await harness.say(sender, "/retry");
    expect(harness.sentTo(sender).slice(1)).toEqual(["Paris.", "Paris, on the Seine."]);
    expect(lastPrompt()).toEqual(["system: You are a test.", "user: What is the capital of France?"]);
    await harness.say(sender, "How many people live there?");
    // The conversation goes on from the new answer; the old one stays in the chat as its sibling.
    expect(lastPrompt()).toEqual([
      "system: You are a test.",
      "user: What is the capital of France?",
      "assistant: Paris, on the Seine.",
      "user: How many people live there?",
    ]);
    const [chatId] = await chatsOf(sender);
    const chat = await harness.client().getChat({ userId: sender, chatId: chatId! });
    expect(chat.messages.map((m) => [m.content, m.siblingCount])).toEqual([
      ["What is the capital of France?", 1],
      ["Paris, on the Seine.", 2],
      ["How many people live there?", 1],
      ["About 2.1 million.", 1],
    ]);
    // `/retry` asks the model, so it is a turn for the model, like a message (one at a time per sender).
    expect((await harness.turns(sender)).map((turn) => turn["kind"])).toEqual([
      "chat",
      "chat",
      "chat",
      "chat",
    ]);
  });

  it("answers /help and unknown commands without asking the model", async () => {
    const sender = aSender();
    await harness.say(sender, "/help");
    await harness.say(sender, "/start");
    expect(harness.sentTo(sender)).toEqual([whatsAppTexts.help, whatsAppTexts.unknownCommand("start")]);
    expect(harness.simulator.requests).toHaveLength(0);
    expect(await harness.turns(sender)).toMatchObject([
      { kind: "command", status: "answered", parts_sent: 1 },
      { kind: "command", status: "answered", parts_sent: 1 },
    ]);
  });

  it("says politely that it reads only text when a message has media and no text", async () => {
    const sender = aSender();
    const media = {
      NumMedia: "1",
      MediaUrl0: "https://api.twilio.com/media/1",
      MediaContentType0: "image/jpeg",
    };
    await harness.say(sender, "", media);
    expect(harness.sentTo(sender)).toEqual([whatsAppTexts.noText]);
    expect(harness.simulator.requests).toHaveLength(0);
    expect(await harness.turns(sender)).toMatchObject([{ kind: "no-text", status: "answered" }]);

    harness.simulator.script({ text: "A cat, I guess." });
    await harness.say(sender, "What is in this picture?", media);
    expect(harness.sentTo(sender).at(-1)).toBe(`${whatsAppTexts.attachmentIgnored}\n\nA cat, I guess.`);
  });

  it("answers a message delivered twice, even concurrently, exactly once", async () => {
    const sender = aSender();
    const message = inbound(sender, "Only once, please");
    const first = await harness.post(message);
    expect(first.status).toBe(200);
    const again = await Promise.all(Array.from({ length: 5 }, () => harness.post(message)));
    expect(again.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    await harness.inbox.idle();

    const concurrent = inbound(sender, "And this one once too");
    const responses = await Promise.all(Array.from({ length: 6 }, () => harness.post(concurrent)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await harness.inbox.idle();

    expect(await harness.turns(sender)).toHaveLength(2);
    expect(harness.simulator.requests).toHaveLength(2);
    expect(harness.sentTo(sender)).toHaveLength(2);
  });
});

describe("an answer in Markdown", () => {
  it("arrives in WhatsApp's formatting, code untouched, and the model keeps its own Markdown", async () => {
    const sender = aSender();
    const markdown = [
      "## Steps",
      "",
      "* **Install** it, see [the docs](https://grpc.io/docs/)",
      "* Run `npm run **dev**`",
      "",
      "```sh",
      "echo **not bold**",
      "```",
    ].join("\n");
    harness.simulator.script({ text: markdown }, { text: "Sure." });
    await harness.say(sender, "How do I start?", {
      NumMedia: "1",
      MediaUrl0: "https://api.twilio.com/media/1",
      MediaContentType0: "image/jpeg",
    });
    expect(harness.sentTo(sender)).toEqual([
      [
        whatsAppTexts.attachmentIgnored,
        "",
        "*Steps*",
        "",
        "- *Install* it, see the docs (https://grpc.io/docs/)",
        "- Run `npm run **dev**`",
        "",
        "```",
        "echo **not bold**",
        "```",
      ].join("\n"),
    ]);
    // Only what is sent is converted: the chat keeps the answer as the model wrote it.
    await harness.say(sender, "Thanks");
    expect(lastPrompt().at(-2)).toBe(`assistant: ${markdown}`);
  });

  it("is split with a code block closed at the end of one part and reopened at the start of the next", async () => {
    const sender = aSender();
    const line = (n: number) => `step_${n} --verbose # ${"x".repeat(60)}`; // 80 characters
    const code = Array.from({ length: 30 }, (_, i) => line(i + 1)); // ~2400 characters
    harness.simulator.script({ text: `Run this:\n\n\`\`\`sh\n${code.join("\n")}\n\`\`\`\n\nDone.` });
    await harness.say(sender, "Give me the script");
    const parts = harness.sentTo(sender);
    // The blank line before the block is the best cut for the first part; the block needs two more.
    expect(parts).toHaveLength(3);
    expect(parts[0]).toBe("Run this:");
    expect(parts[1]).toMatch(/^```\nstep_1 [^]*\n```$/);
    expect(parts[2]).toMatch(/^```\nstep_\d+ [^]*\nstep_30 [^]*\n```\n\nDone\.$/);
    const sentCode = parts.flatMap((part) => part.split("\n")).filter((text) => text.startsWith("step_"));
    expect(sentCode).toEqual(code);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(whatsAppMaxLength);
  });
});

describe("a sender whose previous answer is still being written", () => {
  it("is told so at once, with no model call; the answer then arrives and the next message works", async () => {
    const sender = aSender();
    harness.simulator.script({ text: "A slow and thoughtful answer. ".repeat(10), paceMs: 40 });
    expect((await harness.post(inbound(sender, "Think hard"))).status).toBe(200);
    await until(() => harness.simulator.requests.length === 1);
    expect((await harness.post(inbound(sender, "Are you there?"))).status).toBe(200);
    await harness.twilio.waitForMessages(1);
    expect(harness.sentTo(sender)).toEqual([whatsAppTexts.busy]);

    await harness.inbox.idle();
    expect(harness.simulator.requests).toHaveLength(1);
    expect(harness.sentTo(sender)).toEqual([
      whatsAppTexts.busy,
      "A slow and thoughtful answer. ".repeat(10).trim(),
    ]);
    expect((await harness.turns(sender)).map((turn) => turn["kind"]).sort()).toEqual(["busy", "chat"]);

    await harness.say(sender, "Now?");
    expect(harness.simulator.requests).toHaveLength(2);
  });

  it("can /stop it: the part written so far arrives, marked stopped", async () => {
    const sender = aSender();
    harness.simulator.script({ text: "one two three four five six seven eight nine ten", paceMs: 100 });
    await harness.post(inbound(sender, "Count slowly"));
    await until(() => (harness.simulator.requests[0]?.deltasWritten ?? 0) >= 2);
    await harness.say(sender, "/stop");
    const [answer] = harness.sentTo(sender);
    // What was written before the stop (timing decides how much), never the whole answer.
    expect(answer).toMatch(/^one two( \w+)*\n\n\(stopped\)$/);
    expect(answer).not.toContain("ten");
    expect(harness.sentTo(sender)).toHaveLength(1);

    await harness.say(sender, "/stop");
    expect(harness.sentTo(sender).at(-1)).toBe(whatsAppTexts.nothingToStop);
  });
});
