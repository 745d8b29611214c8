/**
 * The whole app with the keyboard only (Tab, Shift+Tab, Enter, Escape, arrows and typing): sign in, pick
 * a model, send, stop, open another chat, rename, delete, search and sign out; focus can always be seen,
 * and the delete dialog keeps
 * focus inside and gives it back to the button that opened it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { expectFocusOn, press, tabTo } from "../support/keyboard";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { MessageVersions } from "../support/pages/message-versions";

let stack: E2eStack;
const user = aUser("Ada");
let seededId = "";

beforeAll(async () => {
  stack = await startE2eStack({ paceMs: 40 });
  const setup = await stack.newContext();
  await new AuthPage(await setup.newPage(), stack.web.baseUrl).signUp(user);
  await setup.close();
  seededId = await stack.seedChat(user.email, ["Plan a picnic for six"]);
});

afterAll(() => stack?.stop());

describe("with the keyboard only", () => {
  it("signs in, sends, stops, opens another chat, renames, deletes, searches and signs out", async () => {
    const page = await (await stack.newContext()).newPage();
    const chat = new ChatPage(page, stack.web.baseUrl);
    const base = stack.web.baseUrl;

    await page.goto(`${base}/sign-in`);
    await tabTo(page, "Email");
    await page.keyboard.type(user.email);
    await tabTo(page, "Password");
    await page.keyboard.type(user.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${base}/chat`);

    // Pick the new chat's model on the empty state: the arrow keys move the native select.
    await expectFocusOn(page, "Message");
    await tabTo(page, "Model", { backwards: true });
    await page.keyboard.press("ArrowDown");
    await expect
      .poll(() => page.getByRole("combobox", { name: "Model" }).inputValue())
      .toBe("simulated-gpt-4");
    await tabTo(page, "Message");

    // Send, then stop: focus stays in the composer, and Stop is the next stop after it.
    await expectFocusOn(page, "Message");
    const firstComposer = await chat.composer().elementHandle();
    await page.keyboard.type("Tell me a long story about rivers");
    await page.keyboard.press("Enter");
    await chat.waitForLength(20);
    // The new chat moves to its own address meanwhile (a new view): focus is in its composer.
    await chat.chatId();
    await expect.poll(() => firstComposer!.evaluate((box) => box.isConnected)).toBe(false);
    await expectFocusOn(page, "Message");
    expect((await press(page, "Tab")).name).toBe("Stop answering");
    await page.keyboard.press("Enter");
    await chat.waitForAnswer("stopped");
    await expectFocusOn(page, "Message");

    // Another chat, from the sidebar.
    const seededLink = page.locator(`[data-testid="chat-item"][data-chat-id="${seededId}"] a`);
    const seededTitle = (await seededLink.innerText()).trim();
    await tabTo(page, seededTitle, { backwards: true });
    await page.keyboard.press("Enter");
    await page.waitForURL(`${base}/chat/${seededId}`);
    await chat.waitForAnswer("complete");

    // Rename: Escape leaves the title and gives focus back to Rename; Enter saves and does the same.
    const renameButton = new RegExp(`^Rename “`);
    await tabTo(page, `Rename “${seededTitle}”`, { backwards: true });
    await page.keyboard.press("Enter");
    await expectFocusOn(page, "Chat title");
    await page.keyboard.type("Not this");
    await page.keyboard.press("Escape");
    await expectFocusOn(page, renameButton);
    await page.keyboard.press("Enter");
    await expectFocusOn(page, "Chat title");
    await page.keyboard.type("Picnic plans");
    await page.keyboard.press("Enter");
    await expectFocusOn(page, renameButton);
    await chat.chatLink("Picnic plans").waitFor();
    await expect.poll(() => chat.title().innerText()).toBe("Picnic plans");

    // Delete: the dialog opens on Cancel, Tab cycles inside it, Escape gives focus back to Delete.
    expect((await press(page, "Tab")).name).toMatch(/^Delete “/);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Delete this chat?" });
    await dialog.waitFor();
    await expectFocusOn(page, "Cancel");
    expect((await press(page, "Tab")).name).toBe("Delete");
    expect((await press(page, "Tab")).name).toBe("Cancel");
    expect((await press(page, "Shift+Tab")).name).toBe("Delete");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await expectFocusOn(page, /^Delete “Picnic plans”$/);
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    await tabTo(page, "Delete");
    await page.keyboard.press("Enter");
    await page
      .locator(`[data-testid="chat-item"][data-chat-id="${seededId}"]`)
      .waitFor({ state: "detached" });
    await page.waitForURL(`${base}/chat`);
    await expectFocusOn(page, "Message");

    // Search: Ctrl+K from anywhere puts the cursor in the box; Tab reaches the results; Clear or Escape
    // empties it.
    await press(page, "Control+k");
    await expectFocusOn(page, "Search chats");
    await page.keyboard.type("rivers");
    await page.getByTestId("search-result").first().waitFor();
    expect((await press(page, "Tab")).name).toBe("Clear the search");
    expect((await press(page, "Tab")).name).toContain("rivers");
    expect((await press(page, "Shift+Tab")).name).toBe("Clear the search");
    await page.keyboard.press("Enter");
    await expectFocusOn(page, "Search chats");
    await page.getByTestId("chat-list").first().waitFor();
    await page.keyboard.type("rivers");
    await page.getByTestId("search-result").first().waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("chat-list").first().waitFor();

    await tabTo(page, "Sign out");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${base}/sign-in`);
  });

  it("regenerates, switches versions and edits a message with the keyboard; focus stays where it was", async () => {
    const chatId = await stack.seedChat(user.email, ["Name three lakes"]);
    const page = await (await stack.newContext()).newPage();
    const chat = new ChatPage(page, stack.web.baseUrl);
    const versions = new MessageVersions(page);
    await new AuthPage(page, stack.web.baseUrl).signIn(user.email, user.password);
    await chat.open(chatId);
    await chat.waitForAnswer("complete");
    await chat.composer().focus();
    const firstId = await versions.idOf(chat.lastAnswer());

    // Regenerate: focus stays on the button (unavailable while the new answer is written).
    await tabTo(page, "Regenerate", { backwards: true });
    await page.keyboard.press("Enter");
    await expect.poll(() => versions.idOf(chat.lastAnswer())).not.toBe(firstId);
    await expectFocusOn(page, "Regenerate");
    await chat.waitForAnswer("complete");
    await expect.poll(() => versions.position(chat.lastAnswer())).toBe("2/2");
    const secondId = await versions.idOf(chat.lastAnswer());

    // The arrows come after it; Previous switches and keeps focus, where the new position is said.
    expect((await press(page, "Tab")).name).toBe("Previous version");
    await page.keyboard.press("Enter");
    await expect.poll(() => versions.idOf(chat.lastAnswer())).toBe(firstId);
    expect(await versions.spokenPosition(chat.lastAnswer())).toBe("Version 1 of 2");
    await expectFocusOn(page, "Previous version");
    expect((await press(page, "Tab")).name).toBe("Next version");
    await page.keyboard.press("Enter");
    await expect.poll(() => versions.idOf(chat.lastAnswer())).toBe(secondId);
    await expectFocusOn(page, "Next version");

    // Edit: the editor opens on the text; Escape leaves it unchanged and focus goes back to Edit.
    await tabTo(page, "Edit message", { backwards: true });
    await page.keyboard.press("Enter");
    await expectFocusOn(page, "Edit your message");
    expect(await versions.editor().inputValue()).toBe("Name three lakes");
    await page.keyboard.type(" in Italy");
    await page.keyboard.press("Escape");
    await expectFocusOn(page, "Edit message");
    expect((await versions.texts())[0]).toBe("Name three lakes");

    // Tab reaches Cancel and Save; Ctrl+Enter saves from the text, and focus is back on Edit.
    await page.keyboard.press("Enter");
    await page.keyboard.type(" in Italy");
    expect((await press(page, "Tab")).name).toBe("Cancel");
    expect((await press(page, "Tab")).name).toBe("Save");
    await press(page, "Shift+Tab");
    await press(page, "Shift+Tab");
    await expectFocusOn(page, "Edit your message");
    await page.keyboard.press("Control+Enter");
    await expect.poll(async () => (await versions.texts())[0]).toBe("Name three lakes in Italy");
    await expectFocusOn(page, "Edit message");
    await chat.waitForAnswer("complete");
    await expect.poll(() => versions.position(versions.userMessages().first())).toBe("2/2");
  }, 60_000);

  it("opens a chat's Export menu and leaves it with Escape, and reaches the import form", async () => {
    const chatId = await stack.seedChat(user.email, ["Name three rivers"]);
    const page = await (await stack.newContext()).newPage();
    const chat = new ChatPage(page, stack.web.baseUrl);
    const base = stack.web.baseUrl;
    await new AuthPage(page, base).signIn(user.email, user.password);
    await chat.open(chatId);
    await chat.waitForAnswer("complete");
    await chat.composer().focus();

    // The menu opens on its first download; Tab walks it; Escape closes it and focus is back on Export.
    await tabTo(page, "Export this chat", { backwards: true });
    await page.keyboard.press("Enter");
    await expectFocusOn(page, "Markdown (.md)");
    expect((await press(page, "Tab")).name).toBe("JSON (.json)");
    await page.keyboard.press("Escape");
    await expectFocusOn(page, "Export this chat");

    // The Export and import page, from the sidebar: the downloads, the file, and Import.
    await tabTo(page, "Export and import", { backwards: true });
    await page.keyboard.press("Enter");
    await page.waitForURL(`${base}/transfer`);
    await tabTo(page, "Download Markdown");
    expect((await press(page, "Tab")).name).toBe("Download JSON");
    expect((await press(page, "Tab")).name).toBe("File to import");
    await tabTo(page, "Import");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("import-error").innerText()).toBe("Choose a file to import.");
  });
});
