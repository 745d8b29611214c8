/**
 * What the replica tests share: one MariaDB database, one Redis key prefix and one simulator (the model
 * every replica calls), and service processes started on them, killed after each test.
 *
 * ```ts
 * const cluster = useReplicaCluster();            // registers beforeAll/afterEach/afterAll
 * const [a, b] = await Promise.all([cluster.replica(), cluster.replica()]);
 * cluster.simulator.script({ text, paceMs });      // what the next model request answers
 * ```
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import { startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { createSimulator, type Simulator } from "../../src/simulator/simulator.js";
import { openTestRedis, type TestRedis } from "../support/redis.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/** Short leases, so that a killed replica's work is swept within about a second. */
export const shortLeases = {
  REPLY_LEASE_MS: "1000",
  REPLY_LEASE_RENEW_MS: "200",
  REPLY_LEASE_SWEEP_MS: "200",
};

export interface ReplicaCluster {
  readonly database: TestDatabase;
  readonly simulator: Simulator;
  readonly redis: TestRedis;
  /** Starts a service process on the cluster's database, Redis and simulator, with short leases. */
  replica(extra?: Record<string, string>): Promise<ServiceProcess>;
}

export function useReplicaCluster(base: Record<string, string> = {}): ReplicaCluster {
  let database: TestDatabase | undefined;
  let simulator: Simulator | undefined;
  let redis: TestRedis | undefined;
  const started: ServiceProcess[] = [];
  const stoppedByTest = new Set<ServiceProcess>();
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the replica cluster is used before its beforeAll ran");
    return value;
  };

  beforeAll(async () => {
    redis = openTestRedis();
    database = await createTestDatabase();
    simulator = createSimulator({ paceMs: 20 });
    await simulator.listen(0, "127.0.0.1");
  });
  afterEach(async () => {
    // A replica that died on its own (a crash) fails the test with its output: otherwise the test only
    // sees refused connections, and its cause is lost with the process.
    const died = started.filter(
      (service) =>
        !stoppedByTest.has(service) && (service.child.exitCode ?? service.child.signalCode) !== null,
    );
    await Promise.all(started.splice(0).map((service) => service.stop("SIGKILL")));
    stoppedByTest.clear();
    simulator?.reset();
    if (died.length > 0) throw new Error(died.map(deathReport).join("\n\n"));
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
    await redis?.cleanup();
  });

  return {
    get database() {
      return ready(database);
    },
    get simulator() {
      return ready(simulator);
    },
    get redis() {
      return ready(redis);
    },
    async replica(extra = {}) {
      const service = await startServiceProcess({
        env: {
          DATABASE_URL: ready(database).url,
          OPENAI_API_KEY: "sk-simulated",
          OPENAI_BASE_URL: ready(simulator).url,
          // The tests count the simulator's requests: no title requests beside them.
          TITLE_MODEL: "off",
          REDIS_URL: ready(redis).url,
          REDIS_KEY_PREFIX: ready(redis).prefix,
          ...shortLeases,
          ...base,
          ...extra,
        },
      });
      started.push(service);
      const stop = service.stop;
      return Object.assign(service, {
        stop: (signal?: NodeJS.Signals) => {
          stoppedByTest.add(service);
          return stop(signal);
        },
      });
    },
  };
}

/** What a replica that exited on its own said last. */
function deathReport(service: ServiceProcess): string {
  const { exitCode, signalCode } = service.child;
  return `the replica on port ${service.port} exited on its own (${exitCode ?? signalCode}); its output ends:\n${service.output().slice(-4_000)}`;
}
