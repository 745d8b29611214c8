/**
 * Driving a page with the keyboard only, and checking that where the keyboard is can always be seen.
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";

export interface Focused {
  /** The focused element's accessible name, roughly: aria-label, its label's text, or its own text. */
  name: string;
  tag: string;
  /** A focus indicator is drawn: an outline or a ring on the element, or a ring on its box (≤ 2 up). */
  visible: boolean;
}

/** What has focus now. */
export async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!(element instanceof HTMLElement) || element === document.body) {
      return { name: "", tag: "body", visible: false };
    }
    const labels = "labels" in element ? (element.labels as NodeListOf<HTMLLabelElement> | null) : null;
    const name = (
      element.getAttribute("aria-label") ??
      labels?.[0]?.querySelector("span")?.textContent ??
      element.innerText ??
      ""
    ).trim();
    // A ring is a box-shadow with no offset and no blur (Tailwind's ring-*), in a colour that shows.
    const hasRing = (node: Element) =>
      [
        ...getComputedStyle(node).boxShadow.matchAll(
          /((?:rgba?|color|oklab|oklch|lab|lch)\([^)]*\)) 0px 0px 0px (\d+(?:\.\d+)?)px/g,
        ),
      ].some(([, colour, width]) => Number(width) >= 2 && !/(,|\/)\s*0\)$/.test(colour!));
    const style = getComputedStyle(element);
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
    const boxes = [element, element.parentElement, element.parentElement?.parentElement];
    return {
      name,
      tag: element.tagName.toLowerCase(),
      visible: outlined || boxes.some((box) => box && hasRing(box)),
    };
  });
}

/**
 * Presses a key and checks the focus indicator is drawn wherever focus lands (waiting out the short
 * transition some rings fade in with).
 */
export async function press(page: Page, key: string): Promise<Focused> {
  await page.keyboard.press(key);
  let now = await focused(page);
  if (now.tag === "body") return now;
  await expect
    .poll(async () => (now = await focused(page)).visible, {
      message: `a focus indicator on ${now.tag} “${now.name}”`,
      timeout: 2_000,
    })
    .toBe(true);
  return now;
}

/** Tabs (or Shift+Tabs) until the focused element's name matches; every stop on the way shows focus. */
export async function tabTo(
  page: Page,
  name: string | RegExp,
  options: { backwards?: boolean; maxPresses?: number } = {},
): Promise<Focused> {
  const matches = (candidate: string) =>
    typeof name === "string" ? candidate === name : name.test(candidate);
  const passed: string[] = [];
  for (let i = 0; i < (options.maxPresses ?? 40); i++) {
    const now = await press(page, options.backwards ? "Shift+Tab" : "Tab");
    if (matches(now.name)) return now;
    passed.push(`${now.tag} “${now.name}”`);
  }
  throw new Error(`never reached ${String(name)}; passed ${passed.join(", ")}`);
}

/** Waits until focus is on the element named `name`, with its indicator drawn. */
export async function expectFocusOn(page: Page, name: string | RegExp): Promise<void> {
  await expect.poll(async () => (await focused(page)).name).toMatch(name);
  await expect.poll(async () => (await focused(page)).visible).toBe(true);
}
