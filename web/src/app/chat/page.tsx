import type { Metadata } from "next";
import { ChatView } from "./_components/chat-view";

export const metadata: Metadata = { title: "New chat" };

/** A new, empty chat: the service creates it with the first message. */
export default function NewChatPage() {
  return <ChatView key="new" initial={null} />;
}
