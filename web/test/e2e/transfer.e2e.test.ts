/**
 * Export and import in the browser, through the BFF's /api/export and /api/import: a chat downloaded as
 * JSON imports again (it appears in the sidebar beside the original), a second import adds nothing,
 * Markdown downloads, a malformed file is refused with the service's words, and a signed-out download
 * is refused.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { TransferPage } from "../support/pages/transfer-page";

let stack: E2eStack;
let folder: string;
const user = aUser("Grace");

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 0 });
  folder = await mkdtemp(join(tmpdir(), "parley-transfer-"));
});

afterAll(async () => {
  await stack?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("export and import in the browser", () => {
  it("exports a chat as JSON and imports it again: the copy appears in the sidebar", async () => {
    const context = await stack.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await new AuthPage(page, stack.web.baseUrl).signUp(user);
    const chatId = await stack.seedChat(user.email, ["Plan a picnic for six"]);
    const chat = new ChatPage(page, stack.web.baseUrl);
    const transfer = new TransferPage(page, stack.web.baseUrl);
    await chat.open(chatId);
    await chat.waitForAnswer("complete");
    const original = await chat.answerText();

    const download = await transfer.exportChat("JSON (.json)");
    expect(download.suggestedFilename()).toMatch(
      /^parley-chat-plan-a-picnic-for-six-\d{4}-\d{2}-\d{2}\.json$/,
    );
    const file = join(folder, download.suggestedFilename());
    await download.saveAs(file);
    const exported = JSON.parse(await readFile(file, "utf8")) as { format: string; chats: { id: string }[] };
    expect(exported.format).toBe("parley.chats");
    expect(exported.chats.map((c) => c.id)).toEqual([chatId]);

    await transfer.open();
    await transfer.importFile(file);
    await expect.poll(() => transfer.status().innerText()).toContain("Imported 1 chat (2 messages).");
    const copy = transfer.results().getByRole("link", { name: "Plan a picnic for six" });
    const copyId = (await copy.getAttribute("href"))!.replace("/chat/", "");
    expect(copyId).not.toBe(chatId);

    // Again: nothing new.
    await transfer.importFile(file);
    await expect.poll(() => transfer.status().innerText()).toContain("Imported 0 chats (0 messages).");
    await expect.poll(() => transfer.results().innerText()).toContain("already imported before");

    await page.getByRole("link", { name: "Back to chats" }).click();
    await page.waitForURL(`${stack.web.baseUrl}/chat`);
    const items = page.locator('[data-testid="chat-item"]', { hasText: "Plan a picnic for six" });
    await expect.poll(() => items.count()).toBe(2);
    await page.locator(`[data-testid="chat-item"][data-chat-id="${copyId}"] a`).click();
    await page.waitForURL(`${stack.web.baseUrl}/chat/${copyId}`);
    await chat.waitForAnswer("complete");
    expect(await chat.answerText()).toBe(original);
    await context.close();
  });

  it("downloads all chats as Markdown from the Export and import page", async () => {
    const context = await stack.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await new AuthPage(page, stack.web.baseUrl).signIn(user.email, user.password);
    const transfer = new TransferPage(page, stack.web.baseUrl);
    await transfer.open();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download Markdown" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^parley-chats-\d{4}-\d{2}-\d{2}\.md$/);
    const file = join(folder, download.suggestedFilename());
    await download.saveAs(file);
    const text = await readFile(file, "utf8");
    expect(text.startsWith("# Parley chats\n")).toBe(true);
    expect(text.match(/^## Plan a picnic for six$/gm)).toHaveLength(2);
    await context.close();
  });

  it("refuses a malformed file with the service's words, a signed-out download and a cross-site upload", async () => {
    const context = await stack.newContext();
    const page = await context.newPage();
    await new AuthPage(page, stack.web.baseUrl).signIn(user.email, user.password);
    const transfer = new TransferPage(page, stack.web.baseUrl);
    await transfer.open();
    const file = join(folder, "broken.json");
    await writeFile(file, JSON.stringify([{ title: "x", mapping: {}, current_node: "gone" }]));
    await transfer.importFile(file);
    await expect
      .poll(() => transfer.error().innerText())
      .toBe('conversations[0].current_node: "gone" is not a node of the conversation');
    await context.close();

    const anonymous = await fetch(`${stack.web.baseUrl}/api/export?format=json`);
    expect(anonymous.status).toBe(401);
    const crossSite = await fetch(`${stack.web.baseUrl}/api/import`, {
      method: "POST",
      headers: { origin: "https://elsewhere.example" },
      body: "[]",
    });
    expect(crossSite.status).toBe(403);
  });
});
