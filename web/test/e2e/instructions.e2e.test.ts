/**
 * Per-chat instructions and generated titles in a real browser, against the production build and a real
 * service whose model is a simulator this test scripts and reads: instructions set on a new chat with the
 * keyboard only reach the model as its system prompt; the dialog passes axe, keeps focus inside and gives
 * it back; presets are saved, used, renamed and deleted; the title the model writes after the first
 * answer appears in the sidebar and the header without a reload.
 */
import { startSimulator, type TestSimulator } from "@parley/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { axeViolations } from "../support/axe";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { expectFocusOn, press, tabTo } from "../support/keyboard";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";

/** The words every title request ends with (service/src/application/titles/title-text.ts). */
const titleRequest = "Write a title of at most six words";

let simulator: TestSimulator;
let stack: E2eStack;
let page: Page;
let chat: ChatPage;

beforeAll(async () => {
  simulator = await startSimulator({ paceMs: 10 });
  stack = await startE2eStack({
    paceMs: 10,
    serviceEnv: { OPENAI_API_KEY: "sk-e2e", OPENAI_BASE_URL: simulator.url, TITLE_MODEL: "title-model" },
  });
  page = await (await stack.newContext()).newPage();
  // A step that cannot happen fails with its own locator, well inside the test's timeout.
  page.setDefaultTimeout(10_000);
  chat = new ChatPage(page, stack.web.baseUrl);
  await new AuthPage(page, stack.web.baseUrl).signUp(aUser("Grace"));
});

afterAll(async () => {
  await stack?.stop();
  await simulator?.close();
});

beforeEach(() => simulator.reset());

interface SentMessage {
  role: string;
  content: string;
}

/** The messages of the model request whose last message is `text` (the chat's, not a title's). */
function promptOf(text: string): SentMessage[] | undefined {
  return simulator.requests
    .map((request) => (request.body as { messages?: SentMessage[] }).messages ?? [])
    .find((messages) => messages.at(-1)?.content === text);
}

describe("instructions on a new chat", () => {
  it("are set with the keyboard only, reach the model, and the model's title shows without a reload", async () => {
    simulator.when(titleRequest, { text: '"Pirate greetings."' });
    await page.getByText("How can I help today?").waitFor();

    // Open the dialog from the header; it opens on its first control, and Tab stays inside it.
    await tabTo(page, "Instructions");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Instructions" });
    await dialog.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await expectFocusOn(page, "The default instructions");
    await page.keyboard.press("ArrowDown"); // the radio group: instructions of the chat's own
    await tabTo(page, "Instructions for this chat");
    await page.keyboard.type("You are a pirate. Answer like one.");
    await tabTo(page, "Save instructions");
    expect((await press(page, "Tab")).name).toBe("Instructions of this chat's own");
    expect((await press(page, "Shift+Tab")).name).toBe("Save instructions");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    await expectFocusOn(page, /^Instructions/);
    await page.getByText("This chat has instructions of its own.").waitFor();

    // Escape closes it unchanged and gives focus back.
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    await expect
      .poll(() => dialog.getByRole("textbox", { name: "Instructions for this chat" }).inputValue())
      .toBe("You are a pirate. Answer like one.");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await expectFocusOn(page, /^Instructions/);

    await tabTo(page, "Message");
    await page.keyboard.type("Hello there, who are you?");
    await page.keyboard.press("Enter");
    const chatId = await chat.chatId();
    await chat.waitForAnswer("complete");

    expect(promptOf("Hello there, who are you?")).toEqual([
      { role: "system", content: "You are a pirate. Answer like one." },
      { role: "user", content: "Hello there, who are you?" },
    ]);
    // The title written after the answer replaces the first message's, in the sidebar and the header.
    const item = page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await expect.poll(() => item.innerText(), { timeout: 15_000 }).toContain("Pirate greetings");
    await expect.poll(() => chat.title().innerText()).toBe("Pirate greetings");
    expect(simulator.requests.filter((r) => JSON.stringify(r.body).includes(titleRequest))).toHaveLength(1);
  });
});

describe("presets", () => {
  it("are saved from the dialog, given to a new chat, renamed and deleted", async () => {
    await chat.newChat();
    await page.getByText("How can I help today?").waitFor();
    await page.getByRole("button", { name: "Give this chat instructions" }).click();
    const dialog = page.getByRole("dialog", { name: "Instructions" });
    await dialog.getByLabel("Instructions of this chat's own").check();
    await dialog.getByRole("textbox", { name: "Instructions for this chat" }).fill("Answer in haiku.");
    await dialog.getByRole("textbox", { name: "Save these instructions as a preset" }).fill("Haiku");
    await dialog.getByRole("button", { name: "Save as preset" }).click();
    await dialog.getByText("Saved as preset “Haiku”.").waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // Another new chat takes it from the picker.
    await page.getByRole("button", { name: "Give this chat instructions" }).click();
    await dialog.getByRole("combobox", { name: "Start from a preset" }).selectOption({ label: "Haiku" });
    await expect
      .poll(() => dialog.getByRole("textbox", { name: "Instructions for this chat" }).inputValue())
      .toBe("Answer in haiku.");
    await dialog.getByText("Manage presets").click();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Save instructions" }).click();
    await dialog.waitFor({ state: "hidden" });
    await chat.send("Write about the sea");
    await chat.chatId();
    await chat.waitForAnswer("complete");
    expect(promptOf("Write about the sea")?.[0]).toEqual({ role: "system", content: "Answer in haiku." });

    // The chat's own instructions show in its dialog; presets are renamed and deleted there.
    await page.getByRole("button", { name: /^Instructions/ }).click();
    await expect
      .poll(() => dialog.getByRole("textbox", { name: "Instructions for this chat" }).inputValue())
      .toBe("Answer in haiku.");
    await dialog.getByText("Manage presets").click();
    await dialog.getByRole("button", { name: "Rename preset Haiku" }).click();
    await dialog.getByRole("textbox", { name: "New name for Haiku" }).fill("Poet");
    await dialog.getByRole("button", { name: "Save name" }).click();
    await dialog.getByRole("button", { name: "Delete preset Poet" }).waitFor();
    await dialog.getByRole("button", { name: "Delete preset Poet" }).click();
    await dialog.getByText("No presets yet.").waitFor();
  });
});
