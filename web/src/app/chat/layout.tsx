import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { currentSession } from "~/server/session";
import { serverCaller } from "~/server/trpc/server-caller";
import { consoleLogger, describeError } from "~/server/logger";
import { ChatShell } from "./_components/chat-shell";
import type { ChatListPage } from "./_components/use-chat-list";

/** Every chat page: signed-in users only, with the sidebar of their chats (first page rendered here). */
export default async function ChatLayout({ children }: { children: ReactNode }) {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  let firstPage: ChatListPage | null = null;
  try {
    firstPage = await (await serverCaller()).chat.list({ limit: 30 });
  } catch (error) {
    // The sidebar shows the failure with a retry; the page itself can still render.
    consoleLogger.warn("could not list chats for the sidebar", describeError(error));
  }
  return (
    <ChatShell user={{ name: session.user.name, email: session.user.email }} initialChats={firstPage}>
      {children}
    </ChatShell>
  );
}
