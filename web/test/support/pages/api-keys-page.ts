/** Page object: the API keys page (create, the new key shown once, the list, revoke). */
import type { Page } from "playwright-core";

export class ApiKeysPage {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  readonly rows = () => this.page.getByTestId("api-key");
  readonly row = (name: string) => this.rows().filter({ has: this.page.getByRole("rowheader", { name }) });
  readonly newKeyField = () => this.page.getByLabel("New API key");
  /** What the polite live region says now. */
  readonly announcement = async () =>
    (await this.page.getByTestId("keys-announcer").textContent())?.trim() ?? "";

  async open(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/keys`);
    await this.page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
  }

  /** Creates a key and returns it as the page shows it, once. */
  async create(name: string, expiry = "Never"): Promise<string> {
    await this.page.getByLabel("Name").fill(name);
    await this.page.getByLabel("Expires").selectOption({ label: expiry });
    await this.page.getByRole("button", { name: "Create key" }).click();
    await this.newKeyField().waitFor();
    return this.newKeyField().inputValue();
  }

  async revoke(name: string): Promise<void> {
    await this.row(name)
      .getByRole("button", { name: `Revoke the key ${name}` })
      .click();
    await this.page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await this.page.getByRole("dialog").waitFor({ state: "hidden" });
  }
}
