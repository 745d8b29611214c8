/**
 * The chat list is live across tabs and devices (WatchChats through the BFF over SSE): two browser
 * contexts signed in as the same user; a chat created, renamed and deleted in one shows in the other's
 * sidebar without a reload.
 */
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

let stack: E2eStack;
const contexts: BrowserContext[] = [];
let here: ChatPage;
let there: ChatPage;
const user = aUser("Grace");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 5 });
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
