import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentSession } from "~/server/session";
import { ApiKeysView } from "./_components/api-keys-view";

export const metadata: Metadata = { title: "API keys" };

/** The signed-in user's personal API keys: create (shown once), list, revoke. */
export default async function ApiKeysPage() {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  return <ApiKeysView />;
}
