/**
 * When the chat service is down, the app says so in plain words and offers a retry that works once the
 * service is back: for sending a message and for loading the chat list.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { freePort } from "../support/web-process";

let stack: E2eStack;
let page: Page;
let chat: ChatPage;

beforeAll(async () => {
  // A fixed port, so the service can come back at the address the web app knows.
  stack = await startE2eStack({ paceMs: 5, servicePort: await freePort() });
  page = await (await stack.newContext()).newPage();
  chat = new ChatPage(page, stack.web.baseUrl);
  await new AuthPage(page, stack.web.baseUrl).signUp(aUser("Grace"));
});

afterAll(() => stack?.stop());

describe("while the chat service is down", () => {
  it("a message that cannot be sent stays on screen with a clear error and a working retry", async () => {
    await stack.service.kill();
    await chat.send("Are you there?");
    const alert = page.getByRole("alert").filter({ hasText: "Your message was not sent." });
    await alert.waitFor();
    expect(await alert.innerText()).toContain("The chat service is unavailable right now");
    expect(await alert.innerText()).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Error:/);
    expect(await page.getByTestId("message").count()).toBe(1);
    await screenshot(page, "20-service-down");

    await stack.service.revive();
    await alert.getByRole("button", { name: "Send again" }).click();
    await chat.waitForAnswer("complete");
    await expect.poll(() => alert.count()).toBe(0);
    expect(await page.getByTestId("message").count()).toBe(2);
    await chat.chatId();
  });

  it("the chat list shows the failure with a retry", async () => {
    await stack.service.kill();
    await chat.open();
    const alert = page.getByRole("alert").filter({ hasText: "Could not load your chats." });
    await alert.waitFor({ timeout: 15_000 });
    await screenshot(page, "21-chat-list-unavailable");

    await stack.service.revive();
    await alert.getByRole("button", { name: "Retry" }).click();
    await chat.chatLink("Are you there?").waitFor();
  });
});
