/** Page object: the sign-in and sign-up forms. */
import type { Page } from "playwright-core";

export interface Credentials {
  name: string;
  email: string;
  password: string;
}

export class AuthPage {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  readonly alert = () => this.page.getByRole("alert");

  async signUp(user: Credentials): Promise<void> {
    await this.page.goto(`${this.baseUrl}/sign-up`);
    await this.page.getByLabel("Name").fill(user.name);
    await this.page.getByLabel("Email").fill(user.email);
    await this.page.getByLabel("Password").fill(user.password);
    await this.page.getByRole("button", { name: "Create account" }).click();
    await this.page.waitForURL(`${this.baseUrl}/chat`);
  }

  /** Fills and submits the sign-in form; does not wait for where it leads. */
  async submitSignIn(email: string, password: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/sign-in`);
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.submitSignIn(email, password);
    await this.page.waitForURL(`${this.baseUrl}/chat`);
  }
}
