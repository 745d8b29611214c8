/**
 * The production build of the web app, run by its own server (dist/server.js over what `next build` left
 * in .next) as `npm start` and the Docker image run it, on a free port, wired to a test service and its
 * own throwaway database.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { startProcess, waitForOutput, type RunningProcess } from "./child-process";
import type { TestService } from "./service-process";
import { dropDatabase, uniqueDatabase } from "./test-databases";

const webDir = fileURLToPath(new URL("../../", import.meta.url));
const serverScript = `${webDir}dist/server.js`;

export interface TestWeb {
  baseUrl: string;
  databaseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A port nobody listens on right now, for a process that must know its port before it starts (the web
 * app its own URL, HAProxy its backends). Taken below the kernel's ephemeral range (32768 and up on Linux):
 * a port from that range can be taken meanwhile as the local port of any outgoing connection (seen in CI:
 * EADDRINUSE minutes later, when the replica started), one below it only by another listener.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Starts the web app on `options.port`, or on a free port (trying another if it was taken meanwhile). It
 * gets its own database (dropped when it stops), or `options.database`, which its caller owns (several
 * replicas on one database).
 */
export async function startTestWeb(
  service: Pick<TestService, "url" | "token">,
  env: Record<string, string> = {},
  options: { database?: { name: string; url: string }; port?: number } = {},
): Promise<TestWeb> {
  if (!existsSync(`${webDir}.next/BUILD_ID`) || !existsSync(serverScript)) {
    throw new Error("web/.next or web/dist is missing: run `npx turbo run build` first");
  }
  const database = options.database ?? uniqueDatabase("web");
  const dropOwnDatabase = () => (options.database ? Promise.resolve() : dropDatabase(database.name));
  let lastError: unknown;
  const { port } = options;
  for (let attempt = 0; attempt < (port ? 1 : 3); attempt++) {
    const ownPort = port ?? (await freePort());
    const baseUrl = `http://127.0.0.1:${ownPort}`;
    const running: RunningProcess = startProcess(process.execPath, [serverScript], {
      cwd: webDir,
      env: {
        PORT: String(ownPort),
        HOSTNAME: "127.0.0.1",
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        BETTER_AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
        BETTER_AUTH_URL: baseUrl,
        WEB_DATABASE_URL: database.url,
        SERVICE_URL: service.url,
        SERVICE_TOKEN: service.token,
        ...env,
      },
    });
    try {
      // Listening, and the app's start-up hook (instrumentation.ts: the auth database) has run; Next
      // runs that hook in the background, so the two lines may come in either order.
      await waitForOutput(running, /web server listening/, 30_000);
      await waitForOutput(running, /web app ready/, 30_000);
      return {
        baseUrl,
        databaseUrl: database.url,
        output: running.output,
        async stop() {
          await running.stop();
          await dropOwnDatabase();
        },
      };
    } catch (error) {
      lastError = error;
      await running.stop();
      if (!/EADDRINUSE/.test(running.output())) break;
    }
  }
  await dropOwnDatabase();
  throw lastError;
}
