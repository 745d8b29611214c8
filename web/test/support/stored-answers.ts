/** Reading what the service stored, as a web user's chats: the user's id comes from the web database. */
import { Role, ReplyStatus, type Message } from "@parley/gen/parley/chat/v1/chat_pb";
import { createChatServiceClient } from "~/server/service/chat-service-client";
import type { TestService } from "./service-process";
import { queryDatabase } from "./test-databases";

export interface StoredAnswers {
  /** The service's user id for a web user (`web:<id>`). */
  serviceUserIdOf(email: string): Promise<string>;
  /** The last message of a chat as the service stored it, read directly from the service. */
  storedAnswer(email: string, chatId: string): Promise<{ status: string; content: string }>;
}

export function storedAnswers(service: TestService, webDatabaseUrl: string): StoredAnswers {
  const chat = createChatServiceClient({ baseUrl: service.url, token: service.token });
  const serviceUserIdOf = async (email: string) => {
    const [user] = await queryDatabase<{ id: string }>(
      webDatabaseUrl,
      "SELECT id FROM `user` WHERE email = ?",
      [email],
    );
    if (!user) throw new Error(`no user ${email}`);
    return `web:${user.id}`;
  };
  return {
    serviceUserIdOf,
    async storedAnswer(email, chatId) {
      const page = await chat.getChat({ chatId, userId: await serviceUserIdOf(email) });
      const last: Message | undefined = page.messages.at(-1);
      if (!last || last.role !== Role.ASSISTANT) throw new Error("the chat has no answer");
      return { status: ReplyStatus[last.status].toLowerCase(), content: last.content };
    },
  };
}
