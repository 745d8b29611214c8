import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { serverCaller } from "~/server/trpc/server-caller";
import { ChatView } from "../_components/chat-view";

export const metadata: Metadata = { title: "Chat" };

/** One chat: its latest messages rendered on the server; a reply still being written is re-attached. */
export default async function ChatPage({ params }: { params: Promise<{ chatId: string }> }) {
  const { chatId } = await params;
  const caller = await serverCaller();
  const page = await caller.chat.get({ chatId }).catch((error: unknown) => {
    // Another user's chat looks exactly like a missing one.
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST"))
      notFound();
    throw error;
  });
  return <ChatView key={chatId} initial={page} />;
}
