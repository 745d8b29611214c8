/** Page object: the Export and import page, and the Export menu in a chat's header. */
import type { Download, Page } from "playwright-core";

export class TransferPage {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  readonly status = () => this.page.getByTestId("import-status");
  readonly results = () => this.page.getByTestId("import-results");
  readonly error = () => this.page.getByTestId("import-error");

  async open(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/transfer`);
    await this.page.getByRole("heading", { name: "Import chats" }).waitFor();
  }

  /** Opens the chat header's Export menu and downloads the chat in `format`. */
  async exportChat(format: "Markdown (.md)" | "JSON (.json)"): Promise<Download> {
    await this.page.getByRole("button", { name: "Export this chat" }).click();
    const [download] = await Promise.all([
      this.page.waitForEvent("download"),
      this.page.getByRole("link", { name: format }).click(),
    ]);
    return download;
  }

  /** Chooses `file` and imports it; resolves once the page shows what happened. */
  async importFile(file: string): Promise<void> {
    await this.page.getByLabel("File to import").setInputFiles(file);
    await this.page.getByRole("button", { name: "Import", exact: true }).click();
    await this.page.locator('[data-testid="import-results"], [data-testid="import-error"]').first().waitFor();
  }
}
