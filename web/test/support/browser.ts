/**
 * Debian's Chromium driven by playwright-core (no browser downloads), headless, plus screenshots saved
 * under web/test-results/screenshots (ignored by git) for a person to look at.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const screenshotDir = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  // Let colour and opacity transitions settle, so the picture shows the state, not the fade.
  await page.waitForTimeout(250);
  await page.screenshot({ path: `${screenshotDir}${name}.png` });
}
