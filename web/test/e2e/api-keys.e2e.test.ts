/**
 * In a real browser against the production build: a signed-in user creates a personal API key on the
 * "API keys" page (shown once, copied), uses it against the service directly — Connect JSON and
 * `POST /chat`, acting as themselves with no user_id — sees it listed without the secret, and revokes it,
 * after which the service refuses it.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { ApiKeysPage } from "../support/pages/api-keys-page";
import { AuthPage } from "../support/pages/auth-page";

let stack: E2eStack;
let context: BrowserContext;
let page: Page;
let keys: ApiKeysPage;
const user = aUser("Grace");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 1 });
  context = await stack.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.web.baseUrl });
  page = await context.newPage();
  keys = new ApiKeysPage(page, stack.web.baseUrl);
});

afterAll(() => stack?.stop());

/** Connect JSON (unary) straight to the service, with the key. */
const connect = (key: string, method: string, body: object) =>
  fetch(`${stack.service.url}/parley.chat.v1.ChatService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

describe("the API keys page", () => {
  it("creates a key shown once, which then acts as the user at the service, and revokes it", async () => {
    await new AuthPage(page, stack.web.baseUrl).signUp(user);
    await page.getByRole("link", { name: "API keys" }).click();
    await page.waitForURL(`${stack.web.baseUrl}/keys`);
    await page.getByText("You have no API keys yet.").waitFor();

    const key = await keys.create("my laptop", "In 30 days");
    expect(key).toMatch(/^pk_[0-9A-Za-z]{8}_[0-9A-Za-z_-]{43}$/);
    await expect.poll(() => keys.announcement()).toContain("created");
    await page.getByRole("button", { name: "Copy" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await expect.poll(() => keys.announcement()).toBe("Key copied to the clipboard.");
    await keys.row("my laptop").waitFor();
    expect(await keys.row("my laptop").innerText()).toContain(key.slice(0, 11));

    // The key at the service: a chat by POST /chat without user_id, then listed over Connect JSON.
    const answered = await fetch(`${stack.service.url}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ user_message: "Hello from my own script" }),
    });
    expect(answered.status).toBe(200);
    const { chat_id: chatId, user_id: userId } = (await answered.json()) as {
      chat_id: string;
      user_id: string;
    };
    expect(userId).toMatch(/^web:/);
    const listed = await connect(key, "ListChats", {});
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { chats: { id: string }[] }).chats.map((c) => c.id)).toEqual([chatId]);
    // The chat is the user's own: the web app shows it too.
    await page.goto(`${stack.web.baseUrl}/chat/${chatId}`);
    await page.getByTestId("chat-title").filter({ hasText: "Hello from my own script" }).waitFor();
    // Naming someone else is refused.
    expect((await connect(key, "ListChats", { userId: "web:someone-else" })).status).toBe(403);

    // Listed after a reload: name and prefix, never the key.
    await keys.open();
    await keys.row("my laptop").waitFor();
    expect(await keys.newKeyField().count()).toBe(0);
    expect(await page.content()).not.toContain(key.slice(12));

    await keys.revoke("my laptop");
    await expect.poll(() => keys.announcement()).toBe("Key “my laptop” revoked.");
    await keys.row("my laptop").getByText("Revoked").waitFor();
    const refused = await connect(key, "ListChats", {});
    expect(refused.status).toBe(401);
  });
});
