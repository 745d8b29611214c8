/**
 * The real chat service (`service/dist/main.js`, built by turbo before the tests) on an ephemeral port,
 * answering with its built-in simulator, on its own throwaway database.
 */
import { randomBytes } from "node:crypto";
import { startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { dropDatabase, uniqueDatabase } from "./test-databases";

export interface TestService {
  url: string;
  token: string;
  databaseName: string;
  output(): string;
  /** Stops the process but keeps its database, as an outage would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, database and token. */
  revive(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the service; with `port` it listens there (needed to revive it at the same address); `env` adds
 * settings (e.g. a limit).
 */
export async function startTestService(options: {
  paceMs: number;
  port?: number | undefined;
  env?: Record<string, string> | undefined;
}): Promise<TestService> {
  const database = uniqueDatabase("svc");
  const token = randomBytes(16).toString("hex");
  const launch = (port: number): Promise<ServiceProcess> =>
    startServiceProcess({
      env: {
        PORT: String(port),
        DATABASE_URL: database.url,
        AUTH_TOKEN: token,
        SIMULATOR_PACE_MS: String(options.paceMs),
        PROGRESS_INTERVAL_MS: "200",
        NODE_ENV: "production",
        // Tests seed chats and send far faster than a person: the per-user rate and concurrency limits
        // are off unless a test sets them (the limits' own tests do).
        LIMIT_MESSAGES_PER_MINUTE: "0",
        LIMIT_CONCURRENT_REPLIES: "0",
        // Chats keep their first message's title (tests read it) unless a test turns titles on.
        TITLE_MODEL: "off",
        ...options.env,
      },
    });
  let current: ServiceProcess;
  try {
    current = await launch(options.port ?? 0);
  } catch (error) {
    await dropDatabase(database.name);
    throw error;
  }
  const port = current.port;
  return {
    url: current.baseUrl,
    token,
    databaseName: database.name,
    output: () => current.output(),
    kill: () => current.stop(),
    async revive() {
      current = await launch(port);
    },
    async stop() {
      await current.stop();
      await dropDatabase(database.name);
    },
  };
}
