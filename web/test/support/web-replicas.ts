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

/** Starts web A then web B with the same `env` (add REDIS_URL and REDIS_KEY_PREFIX to share state). */
export async function startWebReplicas(
  service: TestService,
  env: Record<string, string>,
): Promise<WebReplicas> {
  const database = uniqueDatabase("web");
  const started: TestWeb[] = [];
  const stop = async () => {
    for (const web of started.splice(0)) await web.stop().catch(() => {});
    await dropDatabase(database.name);
  };
  try {
    for (let i = 0; i < 2; i++) started.push(await startTestWeb(service, env, { database }));
  } catch (error) {
    await stop();
    throw error;
  }
  const [a, b] = started as [TestWeb, TestWeb];
  return { a, b, databaseUrl: database.url, stop };
}
