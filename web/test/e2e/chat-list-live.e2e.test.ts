/**
 * Chats are live across tabs and devices: two browser contexts signed in as the same user. A chat created,
 * renamed and deleted in one shows in the other's sidebar without a reload (WatchChats through the BFF
 * over SSE); and a chat open in both shows, in the other, the answer typing as the first writes it, the
 * new title, the new model, an answer written again and a switch of version, and leaves when it is
 * deleted (WatchChat, `chat.watchChat`).
 */
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codePointLength } from "~/lib/code-points";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { MessageVersions } from "../support/pages/message-versions";

let stack: E2eStack;
const contexts: BrowserContext[] = [];
let here: ChatPage;
let there: ChatPage;
const user = aUser("Grace");

beforeAll(async () => {
  // ~70 ms a word: an answer takes several seconds to type, long enough to see it part-written elsewhere.
  stack = await startE2eStack({ paceMs: 70 });
  for (let i = 0; i < 2; i++) contexts.push(await stack.newContext());
  const [first, second] = await Promise.all(contexts.map((context) => context.newPage()));
  here = new ChatPage(first!, stack.web.baseUrl);
  there = new ChatPage(second!, stack.web.baseUrl);
  await new AuthPage(here.page, stack.web.baseUrl).signUp(user);
  await new AuthPage(there.page, stack.web.baseUrl).signIn(user.email, user.password);
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await stack?.stop();
});

describe("the sidebar of another tab", () => {
  it("shows a chat created, renamed and deleted here, without a reload", async () => {
    const loads: string[] = [];
    there.page.on("load", () => loads.push(there.page.url()));

    await here.send("Plan a picnic for Sunday");
    await here.waitForAnswer("complete");
    const chatId = await here.chatId();
    const item = there.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await item.waitFor();

    await here.rename(chatId, "Sunday picnic 🧺");
    await expect.poll(() => item.innerText()).toContain("Sunday picnic 🧺");

    await here.delete(chatId);
    await item.waitFor({ state: "detached" });
    expect(loads).toEqual([]);
  });
});

describe("a chat open in another tab", () => {
  it("shows the message sent here and the answer typing live, then all of it, once", async () => {
    await here.newChat();
    await here.send("Plan a picnic for Sunday");
    await here.waitForAnswer("complete");
    const chatId = await here.chatId();
    await there.open(chatId);
    await there.waitForAnswer("complete");
    await Promise.all([here, there].map(recordAnnouncements));
    const loads: string[] = [];
    there.page.on("load", () => loads.push(there.page.url()));

    const question = "Tell me a long story about rivers";
    await here.send(question);
    // There: the answer part-written (the second answer, still streaming, some text), and the message.
    const seen = await there.page.waitForFunction(
      () => {
        const answers = document.querySelectorAll<HTMLElement>(
          '[data-testid="message"][data-role="assistant"]',
        );
        const last = answers[answers.length - 1];
        const length = Number(last?.dataset.length ?? 0);
        const streaming = answers.length === 2 && last?.dataset.status === "streaming" && length >= 20;
        return streaming ? { status: "streaming", length } : null;
      },
      undefined,
      { timeout: 20_000, polling: 50 },
    );
    const partway = (await seen.jsonValue()) as { status: string; length: number };
    await there.page
      .locator('[data-testid="message"][data-role="user"]')
      .filter({ hasText: question })
      .waitFor();
    await here.waitForAnswer("complete");
    const full = await here.answerState();
    expect(partway.status).toBe("streaming");
    expect(partway.length).toBeLessThan(full.length);

    await expect.poll(() => there.answerState()).toEqual(full);
    expect(await there.answerText()).toBe(await here.answerText());
    // Nothing twice, on either side; the stored answer is what both show.
    for (const side of [here, there]) {
      expect(await side.answers().count()).toBe(2);
      expect(await side.page.locator('[data-testid="message"][data-role="user"]').count()).toBe(2);
    }
    const stored = await stack.storedAnswer(user.email, chatId);
    expect(stored.status).toBe("complete");
    expect(codePointLength(stored.content)).toBe(full.length);
    // A screen reader hears the finished answer once, here (its own) as there.
    for (const side of [here, there])
      await expect.poll(() => announcements(side)).toEqual([await side.answerText()]);
    expect(loads).toEqual([]);
  });

  it("shows an answer written again here in place of the old one, and follows a switch of version", async () => {
    const chatId = await here.chatId();
    const mine = new MessageVersions(here.page);
    const theirs = new MessageVersions(there.page);
    const oldId = await mine.idOf(here.lastAnswer());
    await expect.poll(() => theirs.path()).toEqual(await mine.path());

    await mine.regenerate(here.lastAnswer());
    await here.waitForAnswer("complete");
    await expect.poll(() => mine.position(here.lastAnswer())).toBe("2/2");
    // There: the same path, the new answer where the old one was, with both versions counted.
    await expect.poll(() => theirs.path()).toEqual(await mine.path());
    expect(await theirs.idOf(there.lastAnswer())).not.toBe(oldId);
    await expect.poll(() => theirs.position(there.lastAnswer())).toBe("2/2");
    expect(await there.answerText()).toBe(await here.answerText());

    await mine.previous(here.lastAnswer());
    await expect.poll(() => mine.idOf(here.lastAnswer())).toBe(oldId);
    await expect.poll(() => theirs.idOf(there.lastAnswer())).toBe(oldId);
    expect(await theirs.position(there.lastAnswer())).toBe("1/2");
    expect(new URL(there.page.url()).pathname).toBe(`/chat/${chatId}`);
  });

  it("follows a rename and a model change in its header, and leaves when the chat is deleted", async () => {
    const chatId = await here.chatId();
    await here.rename(chatId, "Rivers of the world");
    await expect.poll(() => there.title().innerText()).toBe("Rivers of the world");

    const picker = (side: ChatPage) => side.page.getByRole("combobox", { name: "Model" });
    expect(await picker(there).inputValue()).toBe("gpt-4o-mini");
    await picker(here).selectOption("simulated-gpt-4");
    await expect.poll(() => picker(there).inputValue()).toBe("simulated-gpt-4");

    await here.delete(chatId);
    await there.page.waitForURL(`${stack.web.baseUrl}/chat`);
  });
});

/** Records each non-empty text the page's polite live region takes, from now on. */
async function recordAnnouncements(side: ChatPage): Promise<void> {
  await side.page.evaluate(() => {
    const region = document.querySelector('[data-testid="announcer"]')!;
    const said: string[] = [];
    (window as unknown as { said: string[] }).said = said;
    new MutationObserver(() => {
      const text = region.textContent?.trim() ?? "";
      if (text) said.push(text);
    }).observe(region, { childList: true, characterData: true, subtree: true });
  });
}

async function announcements(side: ChatPage): Promise<string[]> {
  return side.page.evaluate(() => (window as unknown as { said: string[] }).said);
}
