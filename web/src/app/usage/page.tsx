import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentSession } from "~/server/session";
import { UsageView } from "./_components/usage-view";

export const metadata: Metadata = { title: "Usage" };

/** The signed-in user's use of the model: the last 30 days, today and this month against their limits. */
export default async function UsagePage() {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  return <UsageView />;
}
