/**
 * In a real browser against the production build: managing chats (rename, delete), signing out and back
 * in, two users who never see each other's chats, a refused password, and the app at phone width.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage, type Credentials } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

let stack: E2eStack;
let context: BrowserContext;
let page: Page;
let chat: ChatPage;
let auth: AuthPage;
const alice: Credentials = aUser("Alice");
const chatIds: Record<string, string> = {};

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 5 });
  context = await stack.newContext();
  page = await context.newPage();
  chat = new ChatPage(page, stack.web.baseUrl);
  auth = new AuthPage(page, stack.web.baseUrl);
});

afterAll(() => stack?.stop());

async function startChat(text: string): Promise<string> {
  await chat.newChat();
  await chat.send(text);
  await chat.waitForAnswer("complete");
  const chatId = await chat.chatId();
  await page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`).waitFor();
  return chatId;
}

describe("signed out", () => {
  it("the chat pages send visitors to sign in, and unknown addresses get the not-found page", async () => {
    await page.goto(`${stack.web.baseUrl}/chat`);
    await page.waitForURL(`${stack.web.baseUrl}/sign-in`);
    await page.getByRole("heading", { name: "Welcome back" }).waitFor();
    await screenshot(page, "10-sign-in");
    const response = await page.goto(`${stack.web.baseUrl}/no/such/page`);
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
  });
});

describe("managing chats", () => {
  it("lists chats newest first, renames one and deletes another", async () => {
    await auth.signUp(alice);
    chatIds["garden"] = await startChat("Planning a vegetable garden");
    chatIds["trip"] = await startChat("Packing list for a weekend trip");
    chatIds["bread"] = await startChat("Sourdough bread basics");
    const order = await chat.chatItems().evaluateAll((items) => items.map((item) => item.dataset["chatId"]));
    expect(order).toEqual([chatIds["bread"], chatIds["trip"], chatIds["garden"]]);

    await chat.open(chatIds["garden"]);
    await chat.rename(chatIds["garden"]!, "Garden plans 🌱");
    await chat.chatLink("Garden plans 🌱").waitFor();
    await expect.poll(() => chat.title().innerText()).toBe("Garden plans 🌱");
    await screenshot(page, "11-renamed");

    // Deleting another chat leaves us where we are; deleting the open one goes to a new chat.
    await chat.delete(chatIds["trip"]!);
    expect(page.url()).toBe(`${stack.web.baseUrl}/chat/${chatIds["garden"]}`);
    await chat.delete(chatIds["garden"]!);
    await page.waitForURL(`${stack.web.baseUrl}/chat`);
    expect(await chat.chatItems().count()).toBe(1);
    const gone = await chat.open(chatIds["garden"]);
    expect(gone?.status()).toBe(404);
    await page.getByRole("heading", { name: "Chat not found" }).waitFor();
  });

  it("keeps the history across signing out and back in", async () => {
    await chat.open();
    await chat.signOut();
    // The session is gone: the chat pages are closed again.
    await chat.open(chatIds["bread"]);
    await page.waitForURL(`${stack.web.baseUrl}/sign-in`);

    await auth.signIn(alice.email, alice.password);
    await chat.chatLink("Sourdough bread basics").click();
    await page.waitForURL(`${stack.web.baseUrl}/chat/${chatIds["bread"]}`);
    await chat.waitForAnswer("complete");
    expect(await page.getByTestId("message").count()).toBe(2);
  });
});

describe("a long chat", () => {
  it("loads earlier messages a page at a time, oldest first", async () => {
    // 26 turns: 52 messages, one more page than the 50 the chat page renders.
    const texts = Array.from({ length: 26 }, (_, index) => `Question number ${index + 1}`);
    const chatId = await stack.seedChat(alice.email, texts);
    await chat.open(chatId);
    const messages = page.getByTestId("message");
    await expect.poll(() => messages.count()).toBe(50);
    expect(await messages.first().innerText()).toContain("Question number 2");

    // The page is rendered on the server: the button works once React has taken over.
    await page.waitForLoadState("networkidle");
    await page.getByRole("button", { name: "Load earlier messages" }).click();
    await expect.poll(() => messages.count()).toBe(52);
    expect(await messages.first().innerText()).toContain("Question number 1");
    expect(await page.getByRole("button", { name: "Load earlier messages" }).count()).toBe(0);
  });
});

describe("a second user", () => {
  it("sees none of the first user's chats and gets not-found on their addresses", async () => {
    const other = await stack.newContext();
    const otherPage = await other.newPage();
    await new AuthPage(otherPage, stack.web.baseUrl).signUp(aUser("Bob"));
    await otherPage.getByText("No chats yet").waitFor();
    expect(await otherPage.getByTestId("chat-item").count()).toBe(0);

    const response = await otherPage.goto(`${stack.web.baseUrl}/chat/${chatIds["bread"]}`);
    expect(response?.status()).toBe(404);
    await otherPage.getByRole("heading", { name: "Chat not found" }).waitFor();
    expect(await otherPage.content()).not.toContain("Sourdough");
    await screenshot(otherPage, "12-other-users-chat-not-found");
    await other.close();
  });
});

describe("signing in", () => {
  it("refuses a wrong password", async () => {
    const fresh = await stack.newContext();
    const freshPage = await fresh.newPage();
    const freshAuth = new AuthPage(freshPage, stack.web.baseUrl);
    await freshAuth.submitSignIn(alice.email, "not the password");
    await freshAuth.alert().filter({ hasText: "Wrong email or password." }).waitFor();
    expect(new URL(freshPage.url()).pathname).toBe("/sign-in");
    await screenshot(freshPage, "13-wrong-password");
    await fresh.close();
  });
});

describe("at phone width", () => {
  it("hides the chat list in a drawer that opens from the header", async () => {
    const phone = await stack.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const phonePage = await phone.newPage();
    const phoneChat = new ChatPage(phonePage, stack.web.baseUrl);
    await new AuthPage(phonePage, stack.web.baseUrl).signIn(alice.email, alice.password);
    // Closed, the drawer is off screen and hidden (from the keyboard and screen readers too).
    const drawer = phonePage.getByRole("complementary", { name: "Chats", includeHidden: true });
    await phonePage.waitForTimeout(300);
    expect((await drawer.boundingBox())!.x).toBeLessThan(0);
    expect(await drawer.isVisible()).toBe(false);

    await phoneChat.send("Hello from my phone");
    await phoneChat.waitForAnswer("complete");
    await screenshot(phonePage, "14-phone-chat");

    await phoneChat.openDrawer();
    await expect.poll(async () => (await drawer.boundingBox())!.x).toBe(0);
    expect(await drawer.isVisible()).toBe(true);
    await screenshot(phonePage, "15-phone-drawer");
    await phoneChat.chatLink("Sourdough bread basics").click();
    await phonePage.waitForURL(`${stack.web.baseUrl}/chat/${chatIds["bread"]}`);
    await expect.poll(async () => (await drawer.boundingBox())!.x).toBeLessThan(0);
    await phone.close();
  });
});

describe("in dark mode", () => {
  it("follows the system's colour scheme", async () => {
    const dark = await stack.newContext({ colorScheme: "dark" });
    const darkPage = await dark.newPage();
    await new AuthPage(darkPage, stack.web.baseUrl).signIn(alice.email, alice.password);
    await new ChatPage(darkPage, stack.web.baseUrl).chatLink("Sourdough bread basics").click();
    await darkPage.getByTestId("message").last().waitFor();
    const background = await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(27, 27, 31)");
    await screenshot(darkPage, "16-dark-mode");
    await dark.close();
  });
});
