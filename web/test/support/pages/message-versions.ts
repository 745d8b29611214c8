/**
 * Page object: the versions of a chat's messages — Regenerate under an answer, Edit under a user message
 * (an inline editor), and the `< n/m >` arrows of a message that has more than one version.
 */
import type { Locator, Page } from "playwright-core";

export class MessageVersions {
  constructor(readonly page: Page) {}

  readonly messages = () => this.page.getByTestId("message");
  readonly userMessages = () => this.page.locator('[data-testid="message"][data-role="user"]');
  readonly answers = () => this.page.locator('[data-testid="message"][data-role="assistant"]');
  readonly editor = () => this.page.getByRole("textbox", { name: "Edit your message" });

  /** The service's id of a shown message. */
  async idOf(message: Locator): Promise<string> {
    return (await message.getAttribute("data-message-id")) ?? "";
  }

  /** The ids of every message shown, in order: the path the chat shows. */
  async path(): Promise<string[]> {
    return this.messages().evaluateAll((nodes) =>
      nodes.map((node) => node.getAttribute("data-message-id") ?? ""),
    );
  }

  /** The text of every message shown, in order (without its controls). */
  async texts(): Promise<string[]> {
    return (await this.messages().getByTestId("message-content").allInnerTexts()).map((text) => text.trim());
  }

  /** "2/3" as shown beside the arrows; "" for a message with one version. */
  async position(message: Locator): Promise<string> {
    const position = message.getByTestId("version-position");
    return (await position.count()) === 0 ? "" : (await position.innerText()).trim();
  }

  /** What a screen reader is told of the position ("Version 2 of 3"; the "2/3" shown is hidden from it). */
  async spokenPosition(message: Locator): Promise<string> {
    const spoken = message.locator('[aria-live="polite"] > :not([aria-hidden="true"])');
    return (await spoken.innerText()).replace(/\s+/g, " ").trim();
  }

  /**
   * Waits until the chat shows `answers` answers, the last one complete and every message stored (none
   * still pending). `ChatPage.waitForAnswer` alone would also match an earlier answer.
   */
  async waitForTurns(answers: number, timeoutMs = 30_000): Promise<void> {
    await this.page.waitForFunction(
      (count) => {
        const shown = [...document.querySelectorAll('[data-testid="message"]')];
        const replies = shown.filter((node) => node.getAttribute("data-role") === "assistant");
        return (
          replies.length === count &&
          replies.at(-1)?.getAttribute("data-status") === "complete" &&
          shown.every((node) => !node.getAttribute("data-message-id")?.startsWith("pending-"))
        );
      },
      answers,
      { timeout: timeoutMs, polling: 50 },
    );
  }

  async regenerate(answer: Locator): Promise<void> {
    await answer.getByRole("button", { name: "Regenerate" }).click();
  }

  async previous(message: Locator): Promise<void> {
    await message.getByRole("button", { name: "Previous version" }).click();
  }

  async next(message: Locator): Promise<void> {
    await message.getByRole("button", { name: "Next version" }).click();
  }

  /** Opens a user message's editor, replaces its text and saves it (sent as a new version). */
  async edit(message: Locator, text: string): Promise<void> {
    await message.getByRole("button", { name: "Edit message" }).click();
    await this.editor().fill(text);
    await message.getByRole("button", { name: "Save" }).click();
  }
}
