/** Page object: the Usage page, its totals, the chart and the table of the last 30 days. */
import type { Page } from "playwright-core";

export class UsagePage {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  readonly chart = () => this.page.getByTestId("usage-chart");
  readonly table = () => this.page.getByTestId("usage-table");
  readonly tableRows = () => this.table().locator("tbody tr");

  async open(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/usage`);
    await this.loaded();
  }

  /** Waits until the figures are there (the loading state is gone). */
  async loaded(): Promise<void> {
    await this.page.getByRole("heading", { name: "Last 30 days" }).waitFor();
  }

  /** A figure of a period ("today", "month") as a number: "12,345" → 12345. */
  async figure(period: "today" | "month", name: "tokens" | "answers"): Promise<number> {
    const text = await this.page.getByTestId(`${period}-${name}`).innerText();
    return Number(text.replace(/[^\d]/g, ""));
  }

  /** The table's cells of one UTC day (`YYYY-MM-DD`). */
  async tableRow(date: string): Promise<string[]> {
    const row = this.table().locator(`tbody tr[data-date="${date}"]`);
    return row.locator("th, td").allInnerTexts();
  }
}
