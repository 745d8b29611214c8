import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env } from "~/env";
import { currentSession } from "~/server/session";
import { AuthForm } from "../_components/auth-form";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignUpPage() {
  if (await currentSession()) redirect("/chat");
  return <AuthForm mode="sign-up" oidcName={env().oidc?.name ?? null} initialError={null} />;
}
