/**
 * The real chat service (`service/dist/main.js`, built by turbo before the tests) on an ephemeral port,
 * answering with its built-in simulator, on its own throwaway database.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startProcess, waitForOutput } from "./child-process";
import { dropDatabase, uniqueDatabase } from "./test-databases";

const serviceDir = fileURLToPath(new URL("../../../service/", import.meta.url));
const mainScript = `${serviceDir}dist/main.js`;

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

/** Starts the service; with `port` it listens there (needed to revive it at the same address). */
export async function startTestService(options: { paceMs: number; port?: number }): Promise<TestService> {
  if (!existsSync(mainScript)) throw new Error(`${mainScript} is missing: run \`npx turbo run build\` first`);
  const database = uniqueDatabase("svc");
  const token = randomBytes(16).toString("hex");
  const launch = async (port: number) => {
    const running = startProcess(process.execPath, [mainScript], {
      cwd: serviceDir,
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: database.url,
        AUTH_TOKEN: token,
        SIMULATOR_PACE_MS: String(options.paceMs),
        PROGRESS_INTERVAL_MS: "200",
        LOG_LEVEL: "info",
        OPENAI_API_KEY: "",
      },
    });
    try {
      const [, listening] = await waitForOutput(running, /"port":(\d+)/, 30_000);
      return { running, port: Number(listening) };
    } catch (error) {
      await running.stop();
      throw error;
    }
  };
  let current: Awaited<ReturnType<typeof launch>>;
  try {
    current = await launch(options.port ?? 0);
  } catch (error) {
    await dropDatabase(database.name);
    throw error;
  }
  const port = current.port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    databaseName: database.name,
    output: () => current.running.output(),
    kill: () => current.running.stop(),
    async revive() {
      current = await launch(port);
    },
    async stop() {
      await current.running.stop();
      await dropDatabase(database.name);
    },
  };
}
