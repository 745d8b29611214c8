/**
 * axe-core injected into the page (its own source, no extra Playwright integration) and run at WCAG 2.1
 * level AA. Violations come back as short lines (rule, impact, the first offending elements), so a
 * failing assertion says what to fix.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/** The WCAG 2.1 A and AA violations on the page as it is now; an empty list when it passes. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Next streams a dynamic page's metadata: right after a client navigation (a new chat moving to its
  // URL) the <title> can be absent for a moment. Check the settled page; a title that never comes fails.
  await page.waitForFunction(() => document.title !== "", undefined, { timeout: 10_000 });
  // A transition still running (a button fading back from `disabled:opacity-60`) shows colours the page
  // does not settle on: wait for every finite one to end (spinners run forever and are left alone).
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } })
      .axe;
    return axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
  });
  return (results as AxeResults).violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
        .slice(0, 3)
        .map((node) => JSON.stringify(node.target))
        .join(", ")}${violation.nodes.length > 3 ? ` and ${violation.nodes.length - 3} more` : ""}`,
  );
}
