/**
 * In a real browser against the production build: after a chat, the Usage page (reached from the
 * sidebar) shows exactly the tokens and answers the service stored for the user today, with the chart
 * and its table of the last 30 days.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsageServiceClient } from "~/server/service/usage-service-client";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { UsagePage } from "../support/pages/usage-page";
import { storedAnswers } from "../support/stored-answers";

let stack: E2eStack;
let context: BrowserContext;
let page: Page;
const user = aUser("Hedy");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 1 });
  context = await stack.newContext();
  page = await context.newPage();
});

afterAll(() => stack?.stop());

/** The user's usage as the service reports it (GetUsage with the service token). */
async function serviceUsage(email: string) {
  const usage = createUsageServiceClient({ baseUrl: stack.service.url, token: stack.service.token });
  const userId = await storedAnswers(stack.service, stack.web.databaseUrl).serviceUserIdOf(email);
  return usage.getUsage({ userId });
}

describe("the Usage page", () => {
  it("shows today's tokens as the service stored them after a chat, with the chart and its table", async () => {
    await new AuthPage(page, stack.web.baseUrl).signUp(user);
    const chat = new ChatPage(page, stack.web.baseUrl);
    await chat.send("Tell me about rivers");
    await chat.waitForAnswer("complete");
    // The reply's usage is written with its final row; wait until the service counts it.
    await expect
      .poll(async () => (await serviceUsage(user.email)).today?.replies, { timeout: 10_000 })
      .toBe(1);
    const stored = await serviceUsage(user.email);
    const today = stored.today!;
    expect(today.totalTokens).toBeGreaterThan(0n);

    await page.getByRole("link", { name: "Usage" }).click();
    await page.waitForURL(`${stack.web.baseUrl}/usage`);
    const usage = new UsagePage(page, stack.web.baseUrl);
    await usage.loaded();
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Usage");
    expect(await usage.figure("today", "tokens")).toBe(Number(today.totalTokens));
    expect(await usage.figure("today", "answers")).toBe(1);
    expect(await usage.figure("month", "tokens")).toBe(Number(stored.thisMonth!.totalTokens));
    // No limits are set: the page says so rather than showing a bar.
    expect(await page.getByTestId("usage-today").innerText()).toContain("no limit");

    // The chart is drawn (a bar for today), and its table alternative holds the same 30 days.
    await usage.chart().locator("svg.recharts-surface").waitFor();
    await expect.poll(() => usage.chart().locator(".recharts-bar-rectangle path").count()).toBeGreaterThan(0);
    expect(await usage.tableRows().count()).toBe(30);
    const todayDate = stored.days.at(-1)!.date;
    const row = await usage.tableRow(todayDate);
    expect(row.slice(1, 5).map((cell) => Number(cell.replace(/[^\d]/g, "")))).toEqual([
      Number(today.promptTokens),
      Number(today.completionTokens),
      Number(today.totalTokens),
      1,
    ]);
    // Visually hidden, but in the accessibility tree; shown on request.
    await page.getByRole("button", { name: "Show as a table" }).click();
    await page.getByRole("button", { name: "Hide the table" }).waitFor();
    expect(await page.getByRole("table").getAttribute("data-testid")).toBe("usage-table");
  });

  it("sends a signed-out visitor to sign in", async () => {
    const anonymous = await stack.newContext();
    const visitor = await anonymous.newPage();
    await visitor.goto(`${stack.web.baseUrl}/usage`);
    await visitor.waitForURL(`${stack.web.baseUrl}/sign-in`);
    await anonymous.close();
  });
});
