/**
 * Conversations that branch, in a real browser against the production build and the real service:
 * regenerating an answer streams a second one live and keeps the first as another version; editing an
 * earlier message starts a new branch with its own answer, and what followed the old version stays
 * reachable with the arrows; the version shown is the chat's, so a reload keeps it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aUser, startE2eStack, type E2eStack } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { MessageVersions } from "../support/pages/message-versions";

let stack: E2eStack;
let page: Page;
let chat: ChatPage;
let versions: MessageVersions;
const user = aUser("Ada");

beforeAll(async () => {
  // ~40 ms a word: an answer takes a few seconds to type, long enough to see it grow.
  stack = await startE2eStack({ paceMs: 40 });
  page = await (await stack.newContext()).newPage();
  chat = new ChatPage(page, stack.web.baseUrl);
  versions = new MessageVersions(page);
  await new AuthPage(page, stack.web.baseUrl).signUp(user);
});

afterAll(() => stack?.stop());

describe("regenerating an answer", () => {
  it("types a second answer live, shows 2/2, goes back to the first with Previous, and a reload keeps it", async () => {
    await chat.send("Plan a weekend in Lisbon");
    await chat.waitForAnswer("complete");
    const chatId = await chat.chatId();
    const [question, first] = [versions.userMessages().first(), versions.answers().first()];
    const questionId = await versions.idOf(question);
    const firstId = await versions.idOf(first);
    const firstText = await chat.answerText();
    expect(await versions.position(first)).toBe("");

    await versions.regenerate(first);
    // The new answer takes the old one's place and is written word by word.
    await expect.poll(async () => versions.idOf(chat.lastAnswer())).not.toBe(firstId);
    const regenerate = chat.lastAnswer().getByRole("button", { name: "Regenerate" });
    expect(await regenerate.getAttribute("aria-disabled")).toBe("true");
    const samples = await chat.sampleUntilDone(60);
    const lengths = new Set(
      samples.filter((s) => s.status === "streaming" && s.length > 0).map((s) => s.length),
    );
    expect(lengths.size).toBeGreaterThanOrEqual(3);
    await versions.waitForTurns(1);
    const secondId = await versions.idOf(chat.lastAnswer());
    expect(await versions.path()).toEqual([questionId, secondId]);
    await expect.poll(() => versions.position(chat.lastAnswer())).toBe("2/2");
    expect(await versions.spokenPosition(chat.lastAnswer())).toBe("Version 2 of 2");
    expect(await regenerate.getAttribute("aria-disabled")).toBeNull();

    await versions.previous(chat.lastAnswer());
    await expect.poll(() => versions.idOf(chat.lastAnswer())).toBe(firstId);
    expect(await versions.position(chat.lastAnswer())).toBe("1/2");
    expect(await chat.answerText()).toBe(firstText);
    expect(await versions.path()).toEqual([questionId, firstId]);

    await page.reload();
    await versions.waitForTurns(1);
    expect(await versions.path()).toEqual([questionId, firstId]);
    expect(await versions.position(chat.lastAnswer())).toBe("1/2");

    await versions.next(chat.lastAnswer());
    await expect.poll(() => versions.idOf(chat.lastAnswer())).toBe(secondId);
    expect(await versions.position(chat.lastAnswer())).toBe("2/2");
    // The next message continues the version shown.
    await chat.send("And on a rainy day?");
    await versions.waitForTurns(2);
    expect((await versions.path()).slice(0, 2)).toEqual([questionId, secondId]);
    expect(new URL(page.url()).pathname).toBe(`/chat/${chatId}`);
  }, 90_000);

  it("regenerates an earlier answer: the new branch ends there, the later turns stay on the old one", async () => {
    await chat.newChat();
    await chat.send("Name three rivers");
    await chat.waitForAnswer("complete");
    await chat.send("Which is the longest?");
    await versions.waitForTurns(2);
    const before = await versions.path();

    await versions.regenerate(versions.answers().first());
    await expect.poll(async () => (await versions.path()).length).toBe(2);
    await versions.waitForTurns(1);
    await expect.poll(() => versions.position(versions.answers().first())).toBe("2/2");
    const after = await versions.path();
    expect(after).toHaveLength(2);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);

    await versions.previous(versions.answers().first());
    await expect.poll(() => versions.path()).toEqual(before);
  }, 90_000);
});

describe("editing an earlier message", () => {
  it("answers the new version on a branch of its own; the old version and what followed stay reachable", async () => {
    await chat.newChat();
    await chat.send("Suggest a name for a cat");
    await chat.waitForAnswer("complete");
    await chat.send("Now one for a dog");
    await versions.waitForTurns(2);
    const before = await versions.path();
    const beforeTexts = await versions.texts();

    // Cancel leaves everything as it was.
    const first = versions.userMessages().first();
    await first.getByRole("button", { name: "Edit message" }).click();
    expect(await versions.editor().inputValue()).toBe("Suggest a name for a cat");
    await versions.editor().fill("Something else");
    await first.getByRole("button", { name: "Cancel" }).click();
    await versions.editor().waitFor({ state: "detached" });
    expect(await versions.path()).toEqual(before);

    await versions.edit(first, "Suggest a name for a goldfish");
    await expect.poll(async () => (await versions.texts())[0]).toBe("Suggest a name for a goldfish");
    await versions.waitForTurns(1);
    await expect.poll(() => versions.position(versions.userMessages().first())).toBe("2/2");
    const edited = await versions.path();
    expect(edited).toHaveLength(2);
    expect(edited).not.toContain(before[0]);
    expect(await chat.answerText()).toContain("Suggest a name for a goldfish");

    await versions.previous(versions.userMessages().first());
    await expect.poll(() => versions.path()).toEqual(before);
    expect(await versions.texts()).toEqual(beforeTexts);
    expect(await versions.position(versions.userMessages().first())).toBe("1/2");

    await page.reload();
    await versions.waitForTurns(2);
    expect(await versions.path()).toEqual(before);
    await versions.next(versions.userMessages().first());
    await expect.poll(() => versions.path()).toEqual(edited);
  }, 90_000);
});
