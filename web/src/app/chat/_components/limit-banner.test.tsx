import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { LimitRefusal } from "~/lib/limit-refusal";
import { LimitBanner } from "./limit-banner";

const now = new Date("2026-12-03T22:30:00Z");
const render = (limit: LimitRefusal) =>
  renderToStaticMarkup(
    <LimitBanner limit={limit} onRetry={() => {}} onDismiss={() => {}} now={now} timeZone="Europe/Berlin" />,
  );

describe("LimitBanner", () => {
  it("says what was reached and when it resets, as a dismissible alert with a way to the usage page", () => {
    const html = render({ reason: "limit.daily_tokens", resetAt: "2026-12-04T00:00:00Z", limit: 100_000 });
    expect(html).toContain('role="alert"');
    expect(html).toContain("Your message was not sent.");
    expect(html).toMatch(
      /You&#x27;ve reached today&#x27;s limit of 100,000 tokens\. It resets tomorrow at 01:00/,
    );
    expect(html).toContain('aria-label="Dismiss"');
    expect(html).toContain('href="/usage"');
    expect(html).not.toContain("Send again");
  });

  it("offers to send again only where waiting a moment helps", () => {
    const html = render({ reason: "limit.rate", resetAt: "2026-12-03T22:30:40Z", limit: null });
    expect(html).toContain("Send again");
    // In the default locale: 23:30:40, or 11:30:40 PM.
    expect(html).toMatch(/You can send again at (23|11):30:40/);
    expect(html).not.toContain('href="/usage"');
  });
});
