import type { ChildProcess } from "node:child_process";
import type { Interceptor } from "@connectrpc/connect";

/** A Connect interceptor that sends `authorization: Bearer <token>` with every call. */
export function bearerAuth(token: string): Interceptor;

/**
 * The MySQL/MariaDB server tests create their throwaway databases on, as `mysql://user:password@host:port`
 * without a database name: from `url` when given, else TEST_DATABASE_URL, else the CI's
 * `mysql://root@127.0.0.1:3306`.
 */
export function testServerUrl(url?: string): string;

/** The absolute path of the built service, `service/dist/main.js`. */
export const serviceMainScript: string;

export interface ServiceProcessOptions {
  /**
   * The service's whole environment besides PATH; defaults: PORT 0, HOST 127.0.0.1, LOG_LEVEL info and
   * an empty OPENAI_API_KEY (the built-in simulator answers).
   */
  env?: Record<string, string>;
  /** Its working directory; by default a fresh empty one (removed when it exits), so no `.env` is read. */
  cwd?: string;
  /** Node options before the script, e.g. `["--expose-gc"]`. */
  nodeArgs?: string[];
  /** A command to run node under, e.g. `["taskset", "-c", "1"]`. */
  launcher?: string[];
  /** Opens an IPC channel (`child.send`, `"message"` events). */
  ipc?: boolean;
  /** How long it may take to listen (default 30 s). */
  timeoutMs?: number;
  /** The service's main script (default `serviceMainScript`): another build, for A/B benchmarks. */
  script?: string;
}

export interface ServiceProcess {
  child: ChildProcess;
  /** The port it listens on, read from its log. */
  port: number;
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves once it is gone: with its exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` (default SIGTERM), SIGKILL after 10 s, and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the built service and resolves once it listens; rejects (and kills it) if it exits first or
 * takes longer than `timeoutMs`, with its output in the message.
 */
export function startServiceProcess(options?: ServiceProcessOptions): Promise<ServiceProcess>;

/** A TCP forwarder on `127.0.0.1:<port>` in front of a real server, that a test can cut or freeze. */
export interface TcpProxy {
  /** The port it listens on; the same after `restore()`. */
  port: number;
  /** Resets every connection and refuses new ones (the server "goes away"). */
  cut(): Promise<void>;
  /** Listens again on the same port (no-op when not cut). */
  restore(): Promise<void>;
  /**
   * Holds back everything the server sends, on open and new connections, until `thaw()`: the server
   * hangs without hanging up (SIGSTOP-like, or a network black hole). What clients send still goes through.
   */
  freeze(): void;
  /** Releases what was held back and forwards again. */
  thaw(): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a forwarder to `targetHost:targetPort` (default host 127.0.0.1) on a free port.
 *
 * ```ts
 * const proxy = await startTcpProxy(3306);   // listens on 127.0.0.1:<proxy.port>
 * await proxy.cut();                         // resets every connection and refuses new ones
 * await proxy.restore();                     // listens again on the same port
 * proxy.freeze(); proxy.thaw();              // the server stops answering (SIGSTOP-like), then resumes
 * await proxy.close();
 * ```
 */
export function startTcpProxy(targetPort: number, targetHost?: string): Promise<TcpProxy>;

/** One request the simulator received (see service/src/simulator/recorder.ts). */
export interface SimulatedRequest {
  readonly path: string;
  /** The parsed JSON body (`model`, `messages`, ...). */
  readonly body: unknown;
  /** The client's connection it came on: 1 for the simulator's first, 2 for its second, ... */
  readonly connection: number;
  response: string;
  endedAt: number | null;
}

/** The service's simulator, in this process (see service/src/simulator/simulator.ts for the scripts). */
export interface TestSimulator {
  /** The base URL including `/v1`: the service's OPENAI_BASE_URL. */
  readonly url: string;
  readonly requests: readonly SimulatedRequest[];
  /** Client connections open now (that have sent a request). */
  readonly openConnections: number;
  /** Queues scripted replies (`{ text }`, `{ fault }`, ...), one per request. */
  script(...scripts: Record<string, unknown>[]): TestSimulator;
  /** A standing reply for requests whose last user message contains `matcher`. */
  when(matcher: string | RegExp, script: Record<string, unknown>): TestSimulator;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts the built service's simulator on 127.0.0.1, a free port; `paceMs` between words (default 25),
 * idle client connections kept for `keepAliveMs` (default Node's 5 s).
 */
export function startSimulator(options?: { paceMs?: number; keepAliveMs?: number }): Promise<TestSimulator>;

/** A Prometheus scrape: `name{label="value",...}` (labels sorted) → value. */
export type Samples = Map<string, number>;
/** Parses Prometheus's text exposition format. */
export function parseSamples(text: string): Samples;
/** The sample's value; 0 when absent. */
export function value(samples: Samples, name: string, labels?: Record<string, string>): number;
/** The metric (series) names a scrape holds. */
export function metricNames(samples: Samples): Set<string>;
/** The label sets of every sample of `name`. */
export function labelSets(samples: Samples, name: string): Record<string, string>[];
/** The key of a sample in Samples. */
export function sampleKey(name: string, labels: Record<string, string>): string;
/** Every series name the scrape's `# TYPE` lines declare (histograms as _bucket, _sum and _count). */
export function declaredSeriesNames(text: string): Set<string>;

/** One span an OTLP receiver got, flattened. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  events: string[];
  /** 0 unset, 1 ok, 2 error. */
  status: number;
}

/** A real OTLP/HTTP (JSON) trace receiver on 127.0.0.1, port 0: point OTEL_EXPORTER_OTLP_ENDPOINT at `url`. */
export function startOtlpReceiver(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  /** Every request body as received. */
  bodies: string[];
  close(): Promise<void>;
}>;
