/**
 * The built service as real processes whose model is the simulator in the test's own process (scripted,
 * its requests and connections read by the test) and whose store is a fresh database, each with a gRPC
 * client of its ChatService. Started services are stopped by `close`.
 */
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import {
  bearerAuth,
  startServiceProcess,
  startSimulator,
  type ServiceProcess,
  type TestSimulator,
} from "@parley/test-support";
import { createTestDatabase } from "./test-database.js";

const token = "simulated-services-token";

export interface SimulatedService {
  process: ServiceProcess;
  chat: Client<typeof ChatService>;
}

export interface SimulatedServices {
  simulator: TestSimulator;
  /** Starts a service on the simulator and the database; `env` adds to (or overrides) its settings. */
  start(options?: { env?: Record<string, string>; nodeArgs?: string[] }): Promise<SimulatedService>;
  close(): Promise<void>;
}

export async function simulatedServices(
  simulatorOptions: Parameters<typeof startSimulator>[0],
): Promise<SimulatedServices> {
  const database = await createTestDatabase();
  const simulator = await startSimulator(simulatorOptions);
  const started: ServiceProcess[] = [];
  return {
    simulator,
    async start({ env = {}, nodeArgs = [] } = {}) {
      const process = await startServiceProcess({
        env: {
          DATABASE_URL: database.url,
          AUTH_TOKEN: token,
          OPENAI_API_KEY: "sk-simulated",
          OPENAI_BASE_URL: simulator.url,
          // The tests read the simulator's requests: no title requests beside them.
          TITLE_MODEL: "off",
          ...env,
        },
        nodeArgs,
      });
      started.push(process);
      const transport = createGrpcTransport({ baseUrl: process.baseUrl, interceptors: [bearerAuth(token)] });
      return { process, chat: createClient(ChatService, transport) };
    },
    async close() {
      for (const process of started) await process.stop();
      await simulator.close();
      await database.drop();
    },
  };
}
