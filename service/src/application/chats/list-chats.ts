/** listChats: the user's chats, newest activity first, a page at a time. */
import type { Chat } from "../../domain/chat.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { pageSize, requireUserId } from "../input-rules.js";
import type { Page } from "./chat-repository.js";

export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

export type ListChatsInput = { userId: string } & PageRequest;

export async function listChats(deps: ChatUseCaseDeps, input: ListChatsInput): Promise<Page<Chat>> {
  const userId = requireUserId(input.userId);
  return deps.repository.listChats(userId, pageSize(input.pageSize, 20, 100), input.pageToken || null);
}
