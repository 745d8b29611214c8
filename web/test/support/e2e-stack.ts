/**
 * Everything a browser test needs: the chat service (simulator at a given pace), the production web
 * build on its own port, and Chromium — started once per test file, stopped by PID after.
 */
import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { createChatServiceClient } from "~/server/service/chat-service-client";
import { launchBrowser } from "./browser";
import type { Credentials } from "./pages/auth-page";
import { startTestService, type TestService } from "./service-process";
import { storedAnswers } from "./stored-answers";
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

export async function startE2eStack(options: {
  paceMs: number;
  servicePort?: number;
  /** More service settings (e.g. a limit). */
  serviceEnv?: Record<string, string>;
}): Promise<E2eStack> {
  const service = await startTestService({
    paceMs: options.paceMs,
    port: options.servicePort,
    env: options.serviceEnv,
  });
  const stopAll: (() => Promise<void>)[] = [() => service.stop()];
  try {
    const web = await startTestWeb(service);
    stopAll.unshift(() => web.stop());
    const browser = await launchBrowser();
    stopAll.unshift(() => browser.close());
    const chat = createChatServiceClient({ baseUrl: service.url, token: service.token });
    const { serviceUserIdOf, storedAnswer } = storedAnswers(service, web.databaseUrl);
    return {
      service,
      web,
      browser,
      newContext: (contextOptions = {}) =>
        browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions }),
      storedAnswer,
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
