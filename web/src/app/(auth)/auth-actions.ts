"use server";
/**
 * The sign-in and sign-up forms' server actions. The forms post to them (never a GET), so they work
 * before the page's script has loaded and without script at all, and credentials never reach a URL. Each
 * action goes through the same auth handler as /api/auth (cross-site check, per-address and per-account
 * limits), then hands the session cookie to the browser and moves on to the chats.
 */
import { parseSetCookieHeader, toCookieOptions } from "better-auth/cookies";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { env } from "~/env";
import { appDeps } from "~/server/app-deps";
import { remoteAddressHeader } from "~/server/remote-address";

/** What the form shows after a refused attempt; never the password. */
export interface AuthFormState {
  error: string | null;
  email: string;
  name: string;
}

type Mode = "sign-in" | "sign-up";

/** Headers of the browser's request that the auth handler's checks read. */
const passedOn = ["origin", "sec-fetch-site", "user-agent", "cookie", "x-forwarded-for", remoteAddressHeader];

function describeRefusal(mode: Mode, status: number, message: string | undefined): string {
  if (status === 429) return "Too many attempts. Please wait a few minutes and try again.";
  if (mode === "sign-in" && (status === 401 || status === 400)) return "Wrong email or password.";
  if (status === 422 || /exist/i.test(message ?? "")) {
    return "An account with this email already exists. Sign in instead.";
  }
  if (status >= 500) return "Parley could not be reached. Please try again.";
  return message ? `${message}.`.replace(/\.\.$/, ".") : "That did not work. Please try again.";
}

async function submit(mode: Mode, form: FormData): Promise<AuthFormState> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const name = String(form.get("name") ?? "").trim();
  const incoming = await headers();
  const outgoing = new Headers({ "content-type": "application/json" });
  for (const header of passedOn) {
    const value = incoming.get(header);
    if (value !== null) outgoing.set(header, value);
  }
  const body = mode === "sign-up" ? { email, password, name } : { email, password };
  let response: Response;
  try {
    const { authHandler } = await appDeps();
    response = await authHandler(
      new Request(`${env().baseUrl}/api/auth/${mode}/email`, {
        method: "POST",
        headers: outgoing,
        body: JSON.stringify(body),
      }),
    );
  } catch {
    return { error: "Parley could not be reached. Please try again.", email, name };
  }
  if (!response.ok) {
    const refusal = (await response.json().catch(() => ({}))) as { message?: string };
    return { error: describeRefusal(mode, response.status, refusal.message), email, name };
  }
  const jar = await cookies();
  for (const setCookie of response.headers.getSetCookie()) {
    for (const [cookie, attributes] of parseSetCookieHeader(setCookie)) {
      jar.set(cookie, attributes.value, toCookieOptions(attributes));
    }
  }
  redirect("/chat");
}

export async function signInAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  return submit("sign-in", form);
}

export async function signUpAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  return submit("sign-up", form);
}
