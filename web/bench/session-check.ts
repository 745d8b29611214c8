/**
 * The session check of one tRPC request in isolation: `createTrpcContext` (better-auth's getSession) against
 * a real auth database (and Redis with `--redis`), with a fresh signed cookie cache (`session_data`, no
 * store read) and with the session token alone (the store read every request did before the cache). Both
 * are measured in the same run, interleaved in rounds, so the ratio holds on a busy machine.
 * Not a test: `node --conditions=react-server --import tsx bench/session-check.ts [--calls=2000] [--redis]`.
 */
import { performance } from "node:perf_hooks";
import { createAuth } from "~/server/auth/create-auth";
import { connectRedis, type SharedRedis } from "~/server/redis/shared-redis";
import { createTrpcContext, type ContextDeps } from "~/server/trpc/init";
import { dropDatabase, uniqueDatabase } from "../test/support/test-databases";

const calls = Number(process.argv.find((a) => a.startsWith("--calls="))?.slice(8) ?? 2000);
const withRedis = process.argv.includes("--redis");
const rounds = 10;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

const database = uniqueDatabase("web");
const redis: SharedRedis | null = withRedis
  ? await connectRedis({
      url: "redis://127.0.0.1:6379",
      keyPrefix: `parley_bench_${process.pid}:`,
      log: quiet,
    })
  : null;
const instance = await createAuth({
  databaseUrl: database.url,
  secret: "bench-secret-bench-secret-bench-secret-01",
  baseUrl: "http://localhost:3000",
  trustedOrigins: ["http://localhost:3000"],
  oidc: null,
  signIn: { maxAttempts: 7, windowSeconds: 300 },
  storeMaxBytes: 1024 * 1024,
  log: quiet,
  redis,
  sessionCacheSeconds: 300,
});
try {
  const { headers } = await instance.auth.api.signUpEmail({
    body: { email: "bench@example.com", password: "correct horse battery", name: "Bench" },
    returnHeaders: true,
  });
  const pairs = headers.getSetCookie().map((cookie) => cookie.split(";")[0]!);
  const cached = new Headers({ cookie: pairs.join("; ") });
  const tokenOnly = new Headers({
    cookie: pairs.filter((pair) => !pair.includes("session_data")).join("; "),
  });
  const deps = { auth: instance.auth, log: quiet } as unknown as ContextDeps;

  const samples = { cached: [] as number[], store: [] as number[] };
  const measure = async (headers: Headers, into: number[], count: number) => {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const context = await createTrpcContext(deps, headers, new Headers());
      into.push(performance.now() - start);
      if (!context.session) throw new Error("no session");
    }
  };
  await measure(cached, [], 200); // warm-up
  await measure(tokenOnly, [], 200);
  for (let round = 0; round < rounds; round++) {
    await measure(cached, samples.cached, calls / rounds);
    await measure(tokenOnly, samples.store, calls / rounds);
  }
  const quantile = (values: number[], q: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  const row = (name: string, values: number[]) =>
    `| ${name} | ${quantile(values, 0.5).toFixed(3)} | ${quantile(values, 0.99).toFixed(3)} | ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)} |`;
  console.log(
    `session check, ${calls} calls each, sessions in ${withRedis ? "Redis (+ database)" : "the database"}`,
  );
  console.log("| session check | p50 ms | p99 ms | mean ms |");
  console.log("|---|---|---|---|");
  console.log(row("cookie cache (session_data)", samples.cached));
  console.log(row("session store read (token only)", samples.store));
  console.log(
    `p50 ratio store/cache: ${(quantile(samples.store, 0.5) / quantile(samples.cached, 0.5)).toFixed(1)}×, saved per request: ${(quantile(samples.store, 0.5) - quantile(samples.cached, 0.5)).toFixed(3)} ms`,
  );
} finally {
  await instance.close();
  await redis?.run(
    async (client) => {
      const keys = await client.keys(`parley_bench_${process.pid}:*`);
      if (keys.length > 0) await client.del(...keys);
    },
    () => undefined,
  );
  await redis?.close();
  await dropDatabase(database.name);
}
