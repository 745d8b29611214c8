/**
 * Two replicas of the production web app, as several would run behind a load balancer: each its own
 * process on its own port, sharing one chat service, one web database, the auth secret and, when given,
 * one Redis key prefix. They start one after the other, so only the first migrates the fresh database.
 */
import type { TestService } from "./service-process";
import { dropDatabase, uniqueDatabase } from "./test-databases";
import { startTestWeb, type TestWeb } from "./web-process";

export interface WebReplicas {
  a: TestWeb;
  b: TestWeb;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts web A then web B with the same `env` (add REDIS_URL and REDIS_KEY_PREFIX to share state), on
 * `options.ports` when given (e.g. the ones a proxy in front was told), else on free ports.
 */
export async function startWebReplicas(
  service: Pick<TestService, "url" | "token">,
  env: Record<string, string>,
  options: { ports?: readonly [number, number] } = {},
): Promise<WebReplicas> {
  const database = uniqueDatabase("web");
  const started: TestWeb[] = [];
  const stop = async () => {
    for (const web of started.splice(0)) await web.stop().catch(() => {});
    await dropDatabase(database.name);
  };
  try {
    for (const port of options.ports ?? [undefined, undefined]) {
      started.push(await startTestWeb(service, env, { database, ...(port ? { port } : {}) }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const [a, b] = started as [TestWeb, TestWeb];
  return { a, b, databaseUrl: database.url, stop };
}
