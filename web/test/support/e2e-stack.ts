/**
 * Everything a browser test needs: the chat service (simulator at a given pace), the production web
 * build on its own port, and Chromium — started once per test file, stopped by PID after.
 */
import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { Role, ReplyStatus, type Message } from "@parley/gen/parley/chat/v1/chat_pb";
import { createChatServiceClient } from "~/server/service/chat-service-client";
import { launchBrowser } from "./browser";
import type { Credentials } from "./pages/auth-page";
import { startTestService, type TestService } from "./service-process";
import { queryDatabase } from "./test-databases";
import { startTestWeb, type TestWeb } from "./web-process";

export interface E2eStack {
  service: TestService;
  web: TestWeb;
  browser: Browser;
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** The last message of a chat as the service stored it, read directly from the service. */
  storedAnswer(email: string, chatId: string): Promise<{ status: string; content: string }>;
  /** A chat made directly at the service, one turn per text, waiting for each answer; its id. */
  seedChat(email: string, texts: string[]): Promise<string>;
  stop(): Promise<void>;
}

export function aUser(name: string): Credentials {
  return {
    name,
    email: `${name.toLowerCase()}-${randomBytes(4).toString("hex")}@example.com`,
    password: "a good password",
  };
}

export async function startE2eStack(options: { paceMs: number; servicePort?: number }): Promise<E2eStack> {
  const service = await startTestService(options);
  const stopAll: (() => Promise<void>)[] = [() => service.stop()];
  try {
    const web = await startTestWeb(service);
    stopAll.unshift(() => web.stop());
    const browser = await launchBrowser();
    stopAll.unshift(() => browser.close());
    const chat = createChatServiceClient({ baseUrl: service.url, token: service.token });
    const serviceUserIdOf = async (email: string) => {
      const [user] = await queryDatabase<{ id: string }>(
        web.databaseUrl,
        "SELECT id FROM `user` WHERE email = ?",
        [email],
      );
      if (!user) throw new Error(`no user ${email}`);
      return `web:${user.id}`;
    };
    return {
      service,
      web,
      browser,
      newContext: (contextOptions = {}) =>
        browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions }),
      async storedAnswer(email, chatId) {
        const page = await chat.getChat({ chatId, userId: await serviceUserIdOf(email) });
        const last: Message | undefined = page.messages.at(-1);
        if (!last || last.role !== Role.ASSISTANT) throw new Error("the chat has no answer");
        return { status: ReplyStatus[last.status].toLowerCase(), content: last.content };
      },
      async seedChat(email, texts) {
        const userId = await serviceUserIdOf(email);
        let chatId = "";
        for (const text of texts) {
          for await (const { event } of chat.sendMessage({ chatId, userId, text })) {
            if (event?.kind.case === "started") chatId = event.kind.value.chatId;
          }
        }
        return chatId;
      },
      async stop() {
        for (const stop of stopAll) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of stopAll) await stop().catch(() => {});
    throw error;
  }
}
