/**
 * The chat's limit banner in a real browser, in a fixed time zone (Asia/Kolkata: UTC+05:30, no daylight
 * saving). The refusal itself is the BFF's SSE error as `chat.send` sends it, stubbed at the network so
 * that every limit's wording can be shown (the BFF's side is tested in limit-refusal-http.test.ts, a real
 * refusal by the service's budget in limit-banner-service.e2e.test.ts):
 * the banner says what was reached and when it resets in local time, instead of the generic failure;
 * the message box stays usable; "Send again" (rate limit) sends the message again.
 */
import type { BrowserContext, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/axe";
import { screenshot } from "../support/browser";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

let stack: E2eStack;
let context: BrowserContext;
let page: Page;
let chat: ChatPage;

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 1 });
  context = await stack.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" });
  page = await context.newPage();
  chat = new ChatPage(page, stack.web.baseUrl);
  await new AuthPage(page, stack.web.baseUrl).signUp(aUser("Lise"));
});

afterAll(() => stack?.stop());

/** Answers the next `chat.send` with the error event the BFF sends for a limit refusal. */
async function refuseNextSend(data: { reason: string; resetAt: string; limit: number | null }) {
  const refuse = (route: Route) =>
    route.fulfill({
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      body:
        'event: connected\ndata: {"reconnectAfterInactivityMs":25000}\n\n' +
        `event: serialized-error\ndata: ${JSON.stringify({
          message: "You have reached a limit.",
          code: -32029,
          data: { code: "TOO_MANY_REQUESTS", httpStatus: 429, ...data },
        })}\n\n`,
    });
  await page.route("**/api/trpc/chat.send**", refuse, { times: 1 });
}

const banner = () => page.getByTestId("limit-banner");

describe("the limit banner", () => {
  it("says today's limit and its reset in local time, instead of the generic failure; the box stays usable", async () => {
    const nextUtcMidnight = new Date();
    nextUtcMidnight.setUTCHours(24, 0, 0, 0);
    await refuseNextSend({
      reason: "limit.daily_tokens",
      resetAt: nextUtcMidnight.toISOString(),
      limit: 100_000,
    });

    await chat.send("One more question");
    await banner().waitFor();
    expect(await banner().getAttribute("role")).toBe("alert");
    // UTC midnight is 05:30 in Kolkata: later today there, or tomorrow (before 18:30 UTC).
    expect(await banner().innerText()).toMatch(
      /^Your message was not sent\. You've reached today's limit of 100,000 tokens\. It resets (tomorrow )?at 05:30\.\s*See your usage$/,
    );
    expect(await page.getByRole("button", { name: "Send again" }).count()).toBe(0);
    expect(await page.getByText("The chat service is unavailable").count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "limit-banner");

    // The box is free: typing works, and focus is back in it.
    await chat.composer().fill("Typed while refused");
    expect(await chat.composer().inputValue()).toBe("Typed while refused");
    await chat.composer().fill("");

    await banner().getByRole("button", { name: "Dismiss" }).click();
    await banner().waitFor({ state: "detached" });
    expect(await page.getByText("One more question").count()).toBe(0);
  });

  it("offers 'Send again' for the rate limit, which sends the message again", async () => {
    await refuseNextSend({
      reason: "limit.rate",
      resetAt: new Date(Date.now() + 20_000).toISOString(),
      limit: null,
    });
    await chat.send("Quick question");
    await banner().waitFor();
    expect(await banner().innerText()).toMatch(
      /You're sending messages faster than your limit allows\. You can send again at \d\d:\d\d:\d\d\./,
    );
    await banner().getByRole("button", { name: "Send again" }).click();
    await chat.waitForAnswer("complete");
    expect(await banner().count()).toBe(0);
    expect(await page.getByText("Quick question").count()).toBeGreaterThan(0);
  });
});
