/**
 * The service under fuzz or soak: the built `dist/main.js` as a real process (as `npm start` runs it) on
 * a fresh database, with the built-in simulator as its model and a fake Twilio for WhatsApp; plus the
 * queries the checks need.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { Health, HealthCheckResponse_ServingStatus } from "@parley/gen/grpc/health/v1/health_pb";
import { bearerAuth, startServiceProcess, type ServiceProcessOptions } from "@parley/test-support";
import type { RowDataPacket } from "mysql2/promise";
import { whatsAppWebhookPath } from "../src/adapters/http/twilio-whatsapp-webhook.js";
import { startFakeTwilio } from "../test/support/fake-twilio.js";
import { createTestDatabase } from "../test/support/test-database.js";

export const fuzzToken = "parley-fuzz-token";
const twilioAccount = { accountSid: `AC${"0a1b2c3d".repeat(4)}`, authToken: "twilio-fuzz-auth-token" };
const publicBaseUrl = "https://parley.example.com";

export async function startServiceUnderTest(
  options: Pick<ServiceProcessOptions, "nodeArgs" | "ipc"> & { env?: Record<string, string> } = {},
) {
  const database = await createTestDatabase();
  const twilio = await startFakeTwilio(twilioAccount);
  const service = await startServiceProcess({
    ...options,
    env: {
      DATABASE_URL: database.url,
      AUTH_TOKEN: fuzzToken,
      LOG_LEVEL: "info",
      SIMULATOR_PACE_MS: "5",
      // Every fuzz connection comes from 127.0.0.1: the per-address cap is tested elsewhere.
      MAX_CONNECTIONS_PER_ADDRESS: "0",
      // Fuzz and soak send as few users, far faster than a person: the per-user limits are tested elsewhere.
      LIMIT_CONCURRENT_REPLIES: "0",
      LIMIT_MESSAGES_PER_MINUTE: "0",
      TWILIO_ACCOUNT_SID: twilioAccount.accountSid,
      TWILIO_AUTH_TOKEN: twilioAccount.authToken,
      TWILIO_WHATSAPP_FROM: "whatsapp:+14155238886",
      PUBLIC_BASE_URL: publicBaseUrl,
      TWILIO_API_BASE_URL: twilio.url,
      ...options.env,
    },
  });
  const { pool } = database;
  const rows = async <T>(sql: string, params: unknown[] = []) =>
    (await pool.query<RowDataPacket[]>(sql, params))[0] as T[];
  const grpc = createGrpcTransport({ baseUrl: service.baseUrl, interceptors: [bearerAuth(fuzzToken)] });
  return {
    service,
    database,
    rows,
    client: createClient(ChatService, grpc),
    twilio: {
      authToken: twilioAccount.authToken,
      webhookUrl: publicBaseUrl + whatsAppWebhookPath,
      path: whatsAppWebhookPath,
    },
    /** Live replies and WhatsApp turns still being answered. */
    async liveRows(): Promise<number> {
      const [row] = await rows<{ live: number }>(
        "SELECT (SELECT COUNT(*) FROM messages WHERE status = 'streaming') + (SELECT COUNT(*) FROM whatsapp_messages WHERE status = 'answering') AS live",
      );
      return Number(row?.live);
    },
    /** Waits until nothing is live any more; resolves with what is still live after `timeoutMs`. */
    async settle(timeoutMs = 60_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const live = await this.liveRows();
        if (live === 0 || Date.now() > deadline) return live;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    /** Health Check answers SERVING and an authenticated send reads to its end, over gRPC and Connect. */
    async stillServing(userId: string): Promise<string | null> {
      try {
        const health = createClient(Health, createGrpcTransport({ baseUrl: service.baseUrl }));
        const { status } = await health.check({ service: "" }, { timeoutMs: 5_000 });
        if (status !== HealthCheckResponse_ServingStatus.SERVING) return `health is ${status}`;
        const connect = createClient(
          ChatService,
          createConnectTransport({
            baseUrl: service.baseUrl,
            httpVersion: "1.1",
            interceptors: [bearerAuth(fuzzToken)],
          }),
        );
        let finished = false;
        for await (const { event } of connect.sendMessage(
          { userId, text: "still there?" },
          { timeoutMs: 20_000 },
        )) {
          if (event?.kind.case === "finished") finished = true;
        }
        const { chats } = await createClient(ChatService, grpc).listChats({ userId });
        return finished && chats.length === 1 ? null : "the round trip did not finish";
      } catch (error) {
        return `not serving: ${String(error)}`;
      }
    },
    /** Lines the service logged at error level. */
    errorLines: () =>
      service
        .output()
        .split("\n")
        .filter((line) => /"level":"error"/.test(line)),
    async stop() {
      await service.stop();
      await twilio.close();
      await database.drop();
    },
  };
}

export type ServiceUnderTest = Awaited<ReturnType<typeof startServiceUnderTest>>;
