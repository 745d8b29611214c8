// Tracing costs nothing when OTEL_EXPORTER_OTLP_ENDPOINT is unset: the built service, watched by a
// module-resolution hook, never loads the OpenTelemetry SDK or an exporter (only the small API package,
// whose calls are no-ops). With the endpoint set, the same hook sees the SDK and the OTLP exporter load.
import { fileURLToPath } from "node:url";
import { startOtlpReceiver, startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

const hook = fileURLToPath(new URL("../support/record-opentelemetry-loads.mjs", import.meta.url));
let service: ServiceProcess | undefined;
let database: TestDatabase | undefined;

afterEach(async () => {
  await service?.stop();
  await database?.drop();
});

async function start(env: Record<string, string>): Promise<string[]> {
  database = await createTestDatabase();
  service = await startServiceProcess({
    env: { DATABASE_URL: database.url, ...env },
    nodeArgs: ["--import", hook],
  });
  const health = await fetch(`${service.baseUrl}/grpc.health.v1.Health/Check`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(health.status).toBe(200);
  return [...service.output().matchAll(/^otel-load (\S+)$/gm)].map((match) => match[1]!);
}

const sdk = /\/@opentelemetry\/(sdk-|exporter-|otlp-)/;

describe("tracing", () => {
  it("loads no OpenTelemetry SDK or exporter when OTEL_EXPORTER_OTLP_ENDPOINT is unset", async () => {
    const loaded = await start({});
    expect(loaded.some((url) => url.includes("/@opentelemetry/api/"))).toBe(true);
    expect(loaded.filter((url) => sdk.test(url))).toEqual([]);
  });

  it("loads the SDK and the OTLP/HTTP exporter when it is set", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const loaded = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(loaded.some((url) => url.includes("/@opentelemetry/sdk-node/"))).toBe(true);
      expect(loaded.some((url) => url.includes("/@opentelemetry/exporter-trace-otlp-http/"))).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
