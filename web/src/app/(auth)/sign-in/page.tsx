import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env } from "~/env";
import { currentSession } from "~/server/session";
import { AuthForm } from "../_components/auth-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await currentSession()) redirect("/chat");
  const { error } = await searchParams;
  const oidc = env().oidc;
  return (
    <AuthForm
      mode="sign-in"
      oidcName={oidc?.name ?? null}
      initialError={error ? "Single sign-on did not complete. Please try again." : null}
    />
  );
}
