/**
 * In a real browser against the production build and a real service whose simulator types slowly: the
 * answer appears word by word, is stored when done, can be stopped midway, and survives a reload midway.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codePointLength } from "~/lib/code-points";
import { screenshot } from "../support/browser";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage, type Credentials } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { questionWithCode } from "../support/simulator-questions";

let stack: E2eStack;
let context: BrowserContext;
let page: Page;
let chat: ChatPage;
const user: Credentials = aUser("Ada");

beforeAll(async () => {
  // ~70 ms a word: a demo answer takes several seconds to type, long enough to watch, stop or reload.
  stack = await startE2eStack({ paceMs: 70 });
  context = await stack.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.web.baseUrl });
  page = await context.newPage();
  chat = new ChatPage(page, stack.web.baseUrl);
  await new AuthPage(page, stack.web.baseUrl).signUp(user);
});

afterAll(() => stack?.stop());

describe("a new chat", () => {
  it("shows the answer growing while the model is still writing it, then keeps it", async () => {
    await screenshot(page, "01-new-chat");
    await chat.send(questionWithCode("How do I debounce a function in TypeScript?"));
    await chat.waitForLength(1);
    const samples = await chat.sampleUntilDone(80);
    await chat.waitForAnswer("complete");

    const whileStreaming = samples.filter((sample) => sample.status === "streaming" && sample.length > 0);
    const distinctLengths = new Set(whileStreaming.map((sample) => sample.length));
    // The text was on screen and grew in many steps before the answer was finished.
    expect(distinctLengths.size).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < whileStreaming.length; i++) {
      expect(whileStreaming[i]!.length).toBeGreaterThanOrEqual(whileStreaming[i - 1]!.length);
    }
    const finalSample = samples.at(-1)!;
    expect(finalSample.status).toBe("complete");
    // The first words were on screen long before the end.
    expect(Math.min(...distinctLengths)).toBeLessThan(finalSample.length / 2);
    await screenshot(page, "02-answered");

    // The composer is usable again, the chat has its own address and is in the sidebar.
    await expect.poll(() => chat.composer().isEnabled()).toBe(true);
    const chatId = await chat.chatId();
    await chat.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`).waitFor();
    await expect.poll(() => page.getByTestId("context-gauge").innerText()).toMatch(/\d+ \/ 128k/);

    // Stored by the service exactly as shown.
    const stored = await stack.storedAnswer(user.email, chatId);
    expect(stored.status).toBe("complete");
    expect(codePointLength(stored.content)).toBe(finalSample.length);
    const shown = await chat.answerText();
    await page.reload();
    await chat.waitForAnswer("complete");
    expect(await chat.answerText()).toBe(shown);
    // The gauge comes back from the service's numbers, not from anything this browser kept.
    await expect.poll(() => page.getByTestId("context-gauge").innerText()).toMatch(/\d+ \/ 128k/);
  });

  it("renders code with highlighting and a working copy button", async () => {
    const code = chat.lastAnswer().locator("pre code.hljs");
    await code.waitFor();
    expect(await code.locator("span[class^='hljs-']").count()).toBeGreaterThan(0);
    await chat.lastAnswer().getByRole("button", { name: "Copy code" }).click();
    await chat.lastAnswer().getByRole("button", { name: "Copied" }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied.trim()).toBe((await code.innerText()).trim());
    await screenshot(page, "03-code-block");
  });
});

describe("Stop", () => {
  it("ends the answer midway and keeps the partial text, marked as stopped", async () => {
    await chat.newChat();
    await chat.send("Tell me a long story about rivers");
    await chat.waitForLength(40);
    await screenshot(page, "04-streaming-with-stop-button");
    await chat.stop();
    await chat.waitForAnswer("stopped");
    await page.getByTestId("reply-ending").filter({ hasText: "Stopped" }).waitFor();
    const { length } = await chat.answerState();
    const shown = await chat.answerText();
    await screenshot(page, "05-stopped");

    // Nothing more arrives, and the service kept exactly the partial answer.
    await page.waitForTimeout(500);
    expect((await chat.answerState()).length).toBe(length);
    const chatId = await chat.chatId();
    const stored = await stack.storedAnswer(user.email, chatId);
    expect(stored.status).toBe("stopped");
    expect(codePointLength(stored.content)).toBe(length);
    expect(length).toBeGreaterThanOrEqual(40);

    await page.reload();
    await chat.waitForAnswer("stopped");
    expect(await chat.answerText()).toBe(shown);
    await expect.poll(() => chat.composer().isEnabled()).toBe(true);
  });
});

describe("a reload while the answer is being written", () => {
  it("picks the answer up where it was: the whole text, nothing twice, nothing missing", async () => {
    await chat.newChat();
    await chat.send("What happens if I reload the page now?");
    await chat.waitForLength(30);
    const chatId = await chat.chatId();
    const before = (await chat.answerState()).length;

    await page.reload();
    // The page comes back mid-answer and carries on live from the stored text.
    const samples = await chat.sampleUntilDone(80);
    expect(samples[0]!.status).toBe("streaming");
    expect(samples[0]!.length).toBeGreaterThanOrEqual(Math.min(before, 1));
    expect(
      new Set(samples.filter((s) => s.status === "streaming").map((s) => s.length)).size,
    ).toBeGreaterThan(2);
    expect(samples.at(-1)!.status).toBe("complete");
    const resumed = await chat.answerText();
    await screenshot(page, "06-resumed-after-reload");

    const stored = await stack.storedAnswer(user.email, chatId);
    expect(stored.status).toBe("complete");
    expect((await chat.answerState()).length).toBe(codePointLength(stored.content));
    // What a fresh page renders from the stored answer is what the resumed page showed.
    await page.reload();
    await chat.waitForAnswer("complete");
    expect(await chat.answerText()).toBe(resumed);
    expect(await chat.answers().count()).toBe(1);
  });
});
