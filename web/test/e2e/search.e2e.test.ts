/**
 * Searching chats in the browser, with the keyboard only: Ctrl+K (and `/`) put the cursor in the
 * sidebar's search box, results show snippets with the matches marked, "Load more results" pages on,
 * Escape goes back to the chat list, and opening a result goes to its chat at the message. axe finds
 * nothing on the results, in light and dark mode.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/axe";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { expectFocusOn, press, tabTo } from "../support/keyboard";
import { AuthPage } from "../support/pages/auth-page";

let stack: E2eStack;
const user = aUser("Grace");
let tokyoChatId = "";

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 1 });
  const setup = await stack.newContext();
  await new AuthPage(await setup.newPage(), stack.web.baseUrl).signUp(user);
  await setup.close();
  tokyoChatId = await stack.seedChat(user.email, ["Plan a day at 東京タワー", "Where should we eat lunch?"]);
  // 21 turns that all match: more than one page of results (20).
  await stack.seedChat(
    user.email,
    Array.from({ length: 21 }, (_, i) => `Orchid care, question ${i + 1}`),
  );
});

afterAll(() => stack?.stop());

/** A signed-in page on the empty chat. */
async function signedIn(options: Parameters<E2eStack["newContext"]>[0] = {}) {
  const page = await (await stack.newContext(options)).newPage();
  await new AuthPage(page, stack.web.baseUrl).signIn(user.email, user.password);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  return page;
}

describe("search in the sidebar", () => {
  it("finds a message from the keyboard and opens its chat at that message", async () => {
    const page = await signedIn();
    await press(page, "Control+k");
    await expectFocusOn(page, "Search chats");
    await page.keyboard.type("タワー");
    const results = page.getByTestId("search-result");
    // The title, the user's message and the answer (the simulator's answer quotes the question).
    await expect.poll(() => results.count()).toBe(3);
    expect(await page.locator('[data-testid="search-result"] mark').allInnerTexts()).toEqual([
      "タワー",
      "タワー",
      "タワー",
    ]);
    expect(await page.getByRole("status").filter({ hasText: "matches" }).innerText()).toBe("3 matches.");

    // Tab from the box to the user's message among the results.
    const reached = await tabTo(page, /^Plan a day at 東京タワー\s+You\s/, { maxPresses: 4 });
    expect(reached.name).toContain("Plan a day at 東京タワー");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/chat/${tokyoChatId}#message-`));
    const messageId = decodeURIComponent(new URL(page.url()).hash.slice("#message-".length));
    const target = page.locator(`[id="message-${messageId}"]`);
    await expect.poll(() => target.evaluate((element) => element === document.activeElement)).toBe(true);
    expect(await target.innerText()).toBe("Plan a day at 東京タワー");
  });

  it("pages with “Load more results”, and Escape brings the chat list back", async () => {
    const page = await signedIn();
    // `/` outside a text field is the shortcut too.
    await page.locator("main").click({ position: { x: 5, y: 5 } });
    await press(page, "/");
    await expectFocusOn(page, "Search chats");
    await page.keyboard.type("orchid");
    const results = page.getByTestId("search-result");
    await expect.poll(() => results.count()).toBe(20);
    await page.getByRole("button", { name: "Load more results" }).click();
    // 21 questions and the chat's title; the simulator's answers may quote the question too.
    await expect.poll(() => results.count()).toBeGreaterThan(21);
    const hrefs = await results.evaluateAll((links) => links.map((link) => link.getAttribute("href")));
    expect(new Set(hrefs).size).toBe(hrefs.length);

    await page.getByRole("searchbox", { name: "Search chats" }).press("Escape");
    await expect.poll(() => results.count()).toBe(0);
    await page.getByTestId("chat-list").first().waitFor();
  });

  it("passes axe with results shown, in light and dark mode", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await signedIn({ colorScheme });
      await page.getByRole("searchbox", { name: "Search chats" }).fill("orchid");
      await expect.poll(() => page.getByTestId("search-result").count()).toBe(20);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole("searchbox", { name: "Search chats" }).fill("no such words anywhere");
      await page.getByText("No matches for “no such words anywhere”.", { exact: true }).first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
    }
  });
});
