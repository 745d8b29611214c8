/** Page object: the chat view, its composer, the answer being written, and the sidebar's chat list. */
import type { Locator, Page } from "playwright-core";
import type { ReplyStatus } from "~/lib/chat-types";

export interface AnswerSample {
  at: number;
  status: string;
  length: number;
}

export class ChatPage {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  readonly composer = () => this.page.getByRole("textbox", { name: "Message" });
  readonly title = () => this.page.getByTestId("chat-title");
  readonly answers = () => this.page.locator('[data-testid="message"][data-role="assistant"]');
  readonly lastAnswer = () => this.answers().last();
  readonly chatItems = () => this.page.getByTestId("chat-item");
  readonly chatLink = (title: string) => this.page.getByRole("link", { name: title, exact: true });
  /** What the polite live region says now (what a screen reader announces). */
  readonly announcement = async () => (await this.page.getByTestId("announcer").textContent())?.trim() ?? "";

  async open(chatId?: string) {
    return this.page.goto(`${this.baseUrl}/chat${chatId ? `/${chatId}` : ""}`);
  }

  async newChat(): Promise<void> {
    await this.page.getByRole("link", { name: "New chat" }).click();
    await this.page.waitForURL(`${this.baseUrl}/chat`);
  }

  /** Types a message and presses Enter. */
  async send(text: string): Promise<void> {
    await this.composer().fill(text);
    await this.composer().press("Enter");
  }

  /** The id in the URL once the chat has one. */
  async chatId(): Promise<string> {
    await this.page.waitForURL(/\/chat\/[\w-]+$/);
    return new URL(this.page.url()).pathname.split("/").at(-1)!;
  }

  async answerState(answer: Locator = this.lastAnswer()): Promise<{ status: string; length: number }> {
    const [status, length] = await Promise.all([
      answer.getAttribute("data-status"),
      answer.getAttribute("data-length"),
    ]);
    return { status: status ?? "", length: Number(length ?? 0) };
  }

  /** The rendered text of the last answer. */
  async answerText(): Promise<string> {
    return (await this.lastAnswer().getByTestId("message-content").innerText()).trim();
  }

  /** Waits until the last answer has `status` (an earlier answer with it does not count). */
  async waitForAnswer(status: ReplyStatus, timeoutMs = 30_000): Promise<void> {
    await this.page.waitForFunction(
      (wanted) => {
        const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
        return answers[answers.length - 1]?.getAttribute("data-status") === wanted;
      },
      status,
      { timeout: timeoutMs, polling: 50 },
    );
  }

  /** Waits until the answer being written holds at least `length` code points. */
  async waitForLength(length: number, timeoutMs = 20_000): Promise<void> {
    await this.page.waitForFunction(
      (min) => {
        const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
        return Number(answers[answers.length - 1]?.getAttribute("data-length") ?? 0) >= min;
      },
      length,
      { timeout: timeoutMs, polling: 50 },
    );
  }

  /** Samples the last answer's status and length every `everyMs` until it stops streaming. */
  async sampleUntilDone(everyMs = 100, timeoutMs = 30_000): Promise<AnswerSample[]> {
    const samples: AnswerSample[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await this.answers().count();
      const state = count > 0 ? await this.answerState() : { status: "none", length: 0 };
      samples.push({ at: Date.now(), ...state });
      if (state.status !== "none" && state.status !== "streaming") return samples;
      if (Date.now() > deadline) throw new Error(`still streaming after ${timeoutMs} ms`);
      await this.page.waitForTimeout(everyMs);
    }
  }

  async stop(): Promise<void> {
    await this.page.getByRole("button", { name: "Stop answering" }).click();
  }

  async rename(chatId: string, newTitle: string): Promise<void> {
    const item = this.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await item.hover();
    await item.getByRole("button", { name: /^Rename/ }).click();
    const input = item.getByLabel("Chat title");
    await input.fill(newTitle);
    await input.press("Enter");
  }

  async delete(chatId: string): Promise<void> {
    const item = this.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await item.hover();
    await item.getByRole("button", { name: /^Delete/ }).click();
    await this.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await item.waitFor({ state: "detached" });
  }

  async signOut(): Promise<void> {
    await this.page.getByRole("button", { name: "Sign out" }).click();
    await this.page.waitForURL(`${this.baseUrl}/sign-in`);
  }

  async openDrawer(): Promise<void> {
    await this.page.getByRole("button", { name: "Open the chat list" }).click();
  }
}
