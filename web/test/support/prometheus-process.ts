/**
 * A real Prometheus (Debian's `prometheus` package; `.ci/run` installs it) as the test's own process:
 * its own config and storage in a temporary folder, on a free localhost port, scraping `targets` every
 * second. The package's system service plays no part. `query` asks its HTTP API.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProcess, waitForOutput } from "./child-process";
import { freePort } from "./web-process";

export interface PrometheusProcess {
  url: string;
  /** An instant query's result vector: each series' labels and value. */
  query(expression: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** Every metric name it has stored. */
  metricNames(): Promise<string[]>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: Record<string, string>): Promise<PrometheusProcess> {
  const dir = await mkdtemp(join(tmpdir(), "parley-prometheus-"));
  const jobs = Object.entries(targets).map(
    ([job, target]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ["${target}"]\n`,
  );
  const config = `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${jobs.join("")}`;
  await writeFile(join(dir, "prometheus.yml"), config);
  const port = await freePort();
  const running = startProcess(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { cwd: dir, env: {} },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await running.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForOutput(running, /Server is ready to receive web requests/, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    async query(expression) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(expression)}`,
      );
      return data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
    },
    metricNames: () => api<string[]>("/api/v1/label/__name__/values"),
    output: running.output,
    stop,
  };
}
