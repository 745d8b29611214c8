/**
 * The limit banner against the real service's limits (its budgets are counted from stored usage): with a
 * daily budget of 50 tokens, the first answer (well over 50) finishes, and the next message is refused
 * before anything is sent — the banner says so in the person's time zone (Asia/Kolkata: the UTC midnight
 * reset is 05:30 there), nothing is stored for it, and the box stays usable.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { axeViolations } from "../support/axe";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

let stack: E2eStack;
let page: Page;
let chat: ChatPage;
const user = aUser("Emmy");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 1, serviceEnv: { LIMIT_DAILY_TOKENS: "50" } });
  const context = await stack.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" });
  page = await context.newPage();
  chat = new ChatPage(page, stack.web.baseUrl);
  await new AuthPage(page, stack.web.baseUrl).signUp(user);
});
afterAll(() => stack?.stop());

it("refuses the message after the daily budget is spent, with the banner and the local reset time", async () => {
  await chat.send("First question");
  await chat.waitForAnswer("complete");
  const chatId = await chat.chatId();
  const first = await stack.storedAnswer(user.email, chatId);

  await chat.send("Second question");
  const banner = page.getByTestId("limit-banner");
  await banner.waitFor();
  expect(await banner.getAttribute("role")).toBe("alert");
  expect(await banner.innerText()).toMatch(
    /You've reached today's limit of 50 tokens\. It resets (tomorrow )?at 05:30\./,
  );
  expect(await page.getByText("The chat service is unavailable").count()).toBe(0);
  // Nothing was stored for the refused message: the chat still ends with the first answer.
  expect(await stack.storedAnswer(user.email, chatId)).toEqual(first);
  expect(await chat.answers().count()).toBe(1);
  expect(await axeViolations(page)).toEqual([]);
  await chat.composer().fill("still typing");
  expect(await chat.composer().isEditable()).toBe(true);
});
