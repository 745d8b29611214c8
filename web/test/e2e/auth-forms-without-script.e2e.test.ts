/**
 * The sign-in and sign-up forms before and without script: they post (never a GET), so the password never
 * appears in a URL (history, logs, Referer), and they still work; what was typed before the page's script
 * loaded is kept, in those forms and in the chat's composer.
 */
import type { BrowserContext, Page, Request as BrowserRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

let stack: E2eStack;
const user = aUser("Ada");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 5 });
});

afterAll(() => stack?.stop());

/** A page whose every request and navigation URL is recorded. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; urls: string[] }> {
  const page = await context.newPage();
  const urls: string[] = [];
  page.on("request", (request: BrowserRequest) => urls.push(request.url()));
  page.on("framenavigated", (frame) => urls.push(frame.url()));
  return { page, urls };
}

const leaks = (urls: string[], secret: string) =>
  urls.filter((url) => url.includes(secret) || url.includes(encodeURIComponent(secret)));

describe("with JavaScript off", () => {
  it("signs up, refuses a wrong password and signs in, and the password never appears in a URL", async () => {
    const context = await stack.newContext({ javaScriptEnabled: false });
    const { page, urls } = await watchedPage(context);
    await new AuthPage(page, stack.web.baseUrl).signUp(user);
    await page.getByText("No chats yet").waitFor();

    const fresh = await stack.newContext({ javaScriptEnabled: false });
    const signIn = await watchedPage(fresh);
    const auth = new AuthPage(signIn.page, stack.web.baseUrl);
    await auth.submitSignIn(user.email, "not the password");
    await auth.alert().filter({ hasText: "Wrong email or password." }).waitFor();
    expect(new URL(signIn.page.url()).pathname).toBe("/sign-in");
    // The email is kept for the next try; the password is not.
    expect(await signIn.page.getByLabel("Email").inputValue()).toBe(user.email);
    expect(await signIn.page.getByLabel("Password").inputValue()).toBe("");
    await screenshot(signIn.page, "17-no-script-wrong-password");
    await auth.signIn(user.email, user.password);
    await signIn.page.getByText("No chats yet").waitFor();

    const all = [...urls, ...signIn.urls];
    expect(all.length).toBeGreaterThan(4);
    expect(leaks(all, user.password)).toEqual([]);
    expect(leaks(all, "not the password")).toEqual([]);
    expect(all.filter((url) => url.includes("@"))).toEqual([]);
    await context.close();
    await fresh.close();
  });
});

/** Holds the page's scripts back until `release()`, as a slow network would. */
async function holdScripts(page: Page): Promise<{ held: () => number; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  await page.route(/\/_next\/static\/.*\.js/, async (route) => {
    held++;
    await gate;
    await route.continue().catch(() => undefined);
  });
  return { held: () => held, release };
}

describe("before the page's script has loaded", () => {
  it("a submit never sends the password in a URL, and signs in once the script has loaded", async () => {
    const context = await stack.newContext();
    const { page, urls } = await watchedPage(context);
    const scripts = await holdScripts(page);
    await page.goto(`${stack.web.baseUrl}/sign-in`, { waitUntil: "domcontentloaded" });
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    expect(scripts.held()).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Sign in" }).click({ noWaitAfter: true });
    // React keeps an early submit and replays it once it has hydrated (a browser without React posts).
    scripts.release();
    await page.waitForURL(`${stack.web.baseUrl}/chat`);
    expect(leaks(urls, user.password)).toEqual([]);
    await context.close();
  });

  it("keeps what was typed once the script takes over, and the form then signs in", async () => {
    const context = await stack.newContext();
    const { page, urls } = await watchedPage(context);
    const scripts = await holdScripts(page);
    await page.goto(`${stack.web.baseUrl}/sign-in`, { waitUntil: "domcontentloaded" });
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    scripts.release();
    await page.waitForLoadState("networkidle");
    expect(await page.getByLabel("Email").inputValue()).toBe(user.email);
    expect(await page.getByLabel("Password").inputValue()).toBe(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${stack.web.baseUrl}/chat`);
    expect(leaks(urls, user.password)).toEqual([]);
    await context.close();
  });

  it("keeps what was typed into the composer, and sends it once the script has loaded", async () => {
    const context = await stack.newContext();
    const page = await context.newPage();
    await new AuthPage(page, stack.web.baseUrl).signIn(user.email, user.password);
    const chat = new ChatPage(page, stack.web.baseUrl);
    const scripts = await holdScripts(page);
    await page.goto(`${stack.web.baseUrl}/chat`, { waitUntil: "domcontentloaded" });
    const typed = "Typed before the script loaded";
    await chat.composer().pressSequentially(typed);
    expect(scripts.held()).toBeGreaterThan(0);
    scripts.release();
    // Send is offered once React has hydrated and picked the text up.
    await expect.poll(() => page.getByRole("button", { name: "Send message" }).isEnabled()).toBe(true);
    expect(await chat.composer().inputValue()).toBe(typed);
    await chat.composer().press("Enter");
    await page.locator('[data-testid="message"][data-role="user"]').filter({ hasText: typed }).waitFor();
    await chat.waitForAnswer("complete");
    await expect.poll(() => chat.composer().inputValue()).toBe("");
    await context.close();
  });
});
