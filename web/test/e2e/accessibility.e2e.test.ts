/**
 * axe-core at WCAG 2.1 AA on every page and state, in light and dark mode and on a phone, and what a
 * screen reader hears: the finished answer once (not every word), "stopped", and errors.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/axe";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { ApiKeysPage } from "../support/pages/api-keys-page";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { MessageVersions } from "../support/pages/message-versions";
import { UsagePage } from "../support/pages/usage-page";
import { TransferPage } from "../support/pages/transfer-page";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/web-process";
import { questionWithCode } from "../support/simulator-questions";

let stack: E2eStack;
let light: { context: BrowserContext; page: Page; chat: ChatPage };
let dark: { context: BrowserContext; page: Page; chat: ChatPage };
const user = aUser("Ada");
let answeredChatId = "";

async function open(options: Parameters<E2eStack["newContext"]>[0] = {}) {
  const context = await stack.newContext(options);
  const page = await context.newPage();
  return { context, page, chat: new ChatPage(page, stack.web.baseUrl) };
}

beforeAll(async () => {
  // ~40 ms a word: slow enough to look at an answer being written, fast enough for a short suite. A
  // fixed service port, so the error state can be made by stopping the service.
  stack = await startE2eStack({ paceMs: 40, servicePort: await freePort() });
  light = await open();
  dark = await open({ colorScheme: "dark" });
});

afterAll(() => stack?.stop());

describe("axe finds nothing at WCAG 2.1 AA", () => {
  it("on sign-up and sign-in", async () => {
    for (const { page } of [light, dark]) {
      await page.goto(`${stack.web.baseUrl}/sign-up`);
      expect(await axeViolations(page)).toEqual([]);
      await page.goto(`${stack.web.baseUrl}/sign-in`);
      expect(await axeViolations(page)).toEqual([]);
    }
    // A refused sign-in shows its alert.
    await new AuthPage(light.page, stack.web.baseUrl).submitSignIn("nobody@example.com", "not the password");
    await light.page.getByRole("alert").waitFor();
    // The form settles after its alert: axe checks the button's colours once it is no longer pending.
    await expect.poll(() => light.page.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
    expect(await axeViolations(light.page)).toEqual([]);
  });

  it("on the empty chat, with its model picker", async () => {
    await new AuthPage(light.page, stack.web.baseUrl).signUp(user);
    await new AuthPage(dark.page, stack.web.baseUrl).signIn(user.email, user.password);
    for (const { page } of [light, dark]) {
      await page.getByText("How can I help today?").waitFor();
      await page.getByRole("combobox", { name: "Model" }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
    }
  });

  it("on the instructions dialog, with its presets", async () => {
    for (const { page } of [light, dark]) {
      await page.getByRole("button", { name: "Give this chat instructions" }).click();
      const dialog = page.getByRole("dialog", { name: "Instructions" });
      await dialog.getByText("No presets yet.", { exact: false }).first().waitFor({ state: "attached" });
      await dialog.getByText("Manage presets").click();
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
    }
  });

  it("while an answer is being written, and once it is answered with code", async () => {
    for (const [{ page, chat }, n] of [
      [light, 1],
      [dark, 2],
    ] as const) {
      await chat.send(questionWithCode(`How do I debounce a function in TypeScript, take ${n}?`));
      await chat.waitForLength(20);
      // The new chat moves to its address mid-answer; Next swaps the page's <title> during that client
      // navigation, so axe looks once it has settled (a page always has its title after it).
      await chat.chatId();
      await expect.poll(() => page.title()).toMatch(/\S/);
      expect((await chat.answerState()).status).toBe("streaming");
      expect(await axeViolations(page)).toEqual([]);
      await chat.waitForAnswer("complete");
      await chat.lastAnswer().locator("pre code.hljs").waitFor();
      // The chat's header has the model picker now.
      await page.getByRole("combobox", { name: "Model" }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
    }
    answeredChatId = await light.chat.chatId();
  });

  it("with a regenerated answer's version arrows, and with a message open for editing", async () => {
    for (const { page, chat } of [light, dark]) {
      const versions = new MessageVersions(page);
      await chat.newChat();
      await chat.send("Suggest a name for a tortoise");
      await chat.waitForAnswer("complete");
      await versions.regenerate(chat.lastAnswer());
      await chat.waitForLength(20);
      // While the new version is written, Regenerate and Edit wait (and say so).
      expect(
        await chat.lastAnswer().getByRole("button", { name: "Regenerate" }).getAttribute("aria-disabled"),
      ).toBe("true");
      expect(await axeViolations(page)).toEqual([]);
      await chat.waitForAnswer("complete");
      await expect.poll(() => versions.position(chat.lastAnswer())).toBe("2/2");
      expect(await axeViolations(page)).toEqual([]);
      await versions.userMessages().last().getByRole("button", { name: "Edit message" }).click();
      await versions.editor().waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press("Escape");
      await versions.editor().waitFor({ state: "detached" });
    }
  }, 60_000);

  it("on an answer with a table", async () => {
    for (const { page, chat } of [light, dark]) {
      await chat.newChat();
      await chat.send("Compare the options in a table");
      await chat.waitForAnswer("complete");
      await chat.lastAnswer().locator("table").waitFor();
      expect(await axeViolations(page)).toEqual([]);
    }
  });

  it("on a stopped answer", async () => {
    for (const { page, chat } of [light, dark]) {
      await chat.newChat();
      await chat.send("Tell me a long story about rivers");
      await chat.waitForLength(20);
      await chat.stop();
      await chat.waitForAnswer("stopped");
      expect(await axeViolations(page)).toEqual([]);
    }
  });

  it("while renaming, and in the delete dialog", async () => {
    for (const { page, chat } of [light, dark]) {
      await chat.open(answeredChatId);
      const item = page.locator(`[data-testid="chat-item"][data-chat-id="${answeredChatId}"]`);
      await item.getByRole("button", { name: /^Rename/ }).click();
      await item.getByLabel("Chat title").waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await item.getByLabel("Chat title").press("Escape");
      await item.getByRole("button", { name: /^Delete/ }).click();
      await page.getByRole("dialog").waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "hidden" });
    }
  });

  it("with search results in the sidebar", async () => {
    for (const { page } of [light, dark]) {
      const box = page.getByRole("searchbox", { name: "Search chats" });
      await box.fill("debounce");
      await page.getByTestId("search-result").first().waitFor();
      await page.locator('[data-testid="search-result"] mark').first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await box.fill("");
      await page.getByTestId("chat-list").first().waitFor();
    }
  });

  it("on the API keys page: empty, with a new key shown, the list, and the revoke dialog", async () => {
    for (const [{ page }, n] of [
      [light, 1],
      [dark, 2],
    ] as const) {
      const keys = new ApiKeysPage(page, stack.web.baseUrl);
      await keys.open();
      await page.getByRole("heading", { name: "Your keys" }).waitFor();
      await page.locator('[data-testid="api-keys"], :text("You have no API keys yet.")').first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await keys.create(`key ${n}`, "In 7 days");
      await keys.row(`key ${n}`).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await keys
        .row(`key ${n}`)
        .getByRole("button", { name: `Revoke the key key ${n}` })
        .click();
      await page.getByRole("dialog").waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "hidden" });
      // Back to the chats, where the tests below start.
      await page.getByRole("link", { name: "Back to chats" }).click();
      await page.waitForURL(`${stack.web.baseUrl}/chat`);
    }
  });

  it("on the Usage page (after the answers above), with its table shown too", async () => {
    for (const { page } of [light, dark]) {
      const usage = new UsagePage(page, stack.web.baseUrl);
      await usage.open();
      await usage.chart().locator(".recharts-bar-rectangle path").first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole("button", { name: "Show as a table" }).click();
      await page.getByRole("button", { name: "Hide the table" }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      // Back where the tests below expect to be.
      await page.getByRole("link", { name: "Back to chats" }).click();
      await page.waitForURL(`${stack.web.baseUrl}/chat`);
    }
  });

  it("with a chat's Export menu open, and on the Export and import page with a result and a refusal", async () => {
    const folder = await mkdtemp(join(tmpdir(), "parley-axe-"));
    const good = join(folder, "conversations.json");
    const broken = join(folder, "broken.json");
    await writeFile(
      good,
      JSON.stringify([
        {
          title: "From ChatGPT",
          id: "axe-conversation-1",
          current_node: "b",
          mapping: {
            a: {
              id: "a",
              parent: null,
              message: { author: { role: "user" }, content: { content_type: "text", parts: ["Hi"] } },
            },
            b: {
              id: "b",
              parent: "a",
              message: {
                author: { role: "assistant" },
                content: { content_type: "text", parts: ["Hello!"] },
              },
            },
          },
        },
      ]),
    );
    await writeFile(broken, "[{");
    try {
      for (const { page, chat } of [light, dark]) {
        await chat.open(answeredChatId);
        await page.getByRole("button", { name: "Export this chat" }).click();
        await page.getByRole("link", { name: "JSON (.json)" }).waitFor();
        expect(await axeViolations(page)).toEqual([]);
        await page.keyboard.press("Escape");
        await page.getByRole("link", { name: "JSON (.json)" }).waitFor({ state: "detached" });

        const transfer = new TransferPage(page, stack.web.baseUrl);
        await transfer.open();
        expect(await axeViolations(page)).toEqual([]);
        await transfer.importFile(good);
        await transfer.results().waitFor();
        expect(await axeViolations(page)).toEqual([]);
        await transfer.importFile(broken);
        await transfer.error().waitFor();
        expect(await axeViolations(page)).toEqual([]);
        await page.getByRole("link", { name: "Back to chats" }).click();
        await page.waitForURL(`${stack.web.baseUrl}/chat`);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("with the chat list open as a drawer on a phone", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const phone = await open({ viewport: { width: 390, height: 844 }, colorScheme });
      await new AuthPage(phone.page, stack.web.baseUrl).signIn(user.email, user.password);
      await phone.chat.open(answeredChatId);
      await phone.chat.waitForAnswer("complete");
      expect(await axeViolations(phone.page)).toEqual([]);
      await phone.chat.openDrawer();
      await phone.page.getByRole("button", { name: "Close the chat list" }).first().waitFor();
      expect(await axeViolations(phone.page)).toEqual([]);
      await phone.context.close();
    }
  });
});

describe("what a screen reader hears", () => {
  it("the finished answer once it is written, not each word as it comes", async () => {
    const { page, chat } = light;
    await chat.newChat();
    expect(await chat.announcement()).toBe("");
    await chat.send("Explain how a screen reader hears this answer");
    await chat.waitForLength(30);
    expect((await chat.answerState()).status).toBe("streaming");
    expect(await chat.announcement()).toBe("");
    await chat.waitForAnswer("complete");
    const answer = await chat.answerText();
    await expect.poll(() => chat.announcement()).toBe(answer);
    expect(await page.getByTestId("announcer").getAttribute("aria-live")).toBe("polite");
  });

  it("that the answer was stopped", async () => {
    const { chat } = light;
    await chat.newChat();
    await chat.send("Tell me a long story about mountains");
    await chat.waitForLength(30);
    expect(await chat.announcement()).toBe("");
    await chat.stop();
    await chat.waitForAnswer("stopped");
    await expect.poll(() => chat.announcement()).toBe("Stopped. You stopped this answer.");
  });

  it("an error, from its banner (an assertive live region), said once; axe finds nothing there", async () => {
    await stack.service.kill();
    for (const { page, chat } of [light, dark]) {
      await chat.newChat();
      await chat.send("Are you there?");
      const alert = page.getByRole("alert").filter({ hasText: "Your message was not sent." });
      await alert.getByRole("button", { name: "Send again" }).waitFor();
      expect(await alert.innerText()).toContain("The chat service is unavailable right now");
      expect(await chat.announcement()).not.toContain("not sent");
      expect(await axeViolations(page)).toEqual([]);
    }
  });
});
