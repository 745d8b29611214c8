/**
 * In a real browser against the production build, with the service's two simulated models (no key): the
 * model picked on the empty state creates the chat with it and that model answers; the picker in the
 * chat's header moves the chat to another model; the context gauge follows the model's window, and the
 * chat remembers its model across a reload.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

let stack: E2eStack;
let page: Page;
const user = aUser("Grace");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 1 });
  page = await (await stack.newContext()).newPage();
});

afterAll(() => stack?.stop());

const picker = () => page.getByRole("combobox", { name: "Model" });
const gauge = () => page.getByTestId("context-gauge");

describe("the model picker", () => {
  it("answers with the model picked for a new chat, then with the one picked in the chat's header", async () => {
    await new AuthPage(page, stack.web.baseUrl).signUp(user);
    const chat = new ChatPage(page, stack.web.baseUrl);
    await picker().waitFor();
    expect(await picker().inputValue()).toBe("gpt-4o-mini");
    await picker().selectOption("simulated-gpt-4");

    await chat.send("Which model answers this?");
    await chat.waitForAnswer("complete");
    expect(await chat.answerText()).toContain("simulated reply by gpt-4:");
    const chatId = await chat.chatId();
    await expect.poll(() => gauge().getAttribute("aria-label")).toMatch(/ of 8192 tokens used$/);
    await expect.poll(() => picker().inputValue()).toBe("simulated-gpt-4");

    await picker().selectOption("gpt-4o-mini");
    await expect.poll(() => gauge().getAttribute("aria-label")).toMatch(/ of 128000 tokens used$/);
    await chat.send("And which one answers now?");
    await expect.poll(() => chat.answers().count()).toBe(2);
    await chat.waitForAnswer("complete");
    expect(await chat.answerText()).toContain("simulated reply by gpt-4o-mini:");

    await chat.open(chatId);
    await picker().waitFor();
    expect(await picker().inputValue()).toBe("gpt-4o-mini");
  });
});
