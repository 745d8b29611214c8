import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentSession } from "~/server/session";
import { TransferView } from "./_components/transfer-view";

export const metadata: Metadata = { title: "Export and import" };

/** Take all chats out (Markdown or JSON), or bring chats in (a Parley JSON export, ChatGPT's export). */
export default async function TransferPage() {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  return <TransferView />;
}
