/**
 * HAProxy (Debian's /usr/sbin/haproxy, 2.6) running the committed deploy/haproxy/haproxy.cfg unchanged,
 * on free ports, in front of the given service and web addresses. Stopped by its own PID.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startProcess, type RunningProcess } from "./child-process";

export const haproxyBinary = "/usr/sbin/haproxy";
export const haproxyConfig = fileURLToPath(new URL("../../../deploy/haproxy/haproxy.cfg", import.meta.url));

export interface TestProxy {
  /** The service frontend: gRPC and Connect over h2c and HTTP/1.1. */
  serviceUrl: string;
  /** The web frontend: pages, auth and tRPC over HTTP/1.1. */
  webUrl: string;
  output(): string;
  /**
   * Resolves once the health checks have put every server in `state` (HAProxy logs each change; a
   * server counts as up before its first check, so UP is only news after a DOWN).
   */
  untilServers(state: "UP" | "DOWN"): Promise<void>;
  /** The requests it has logged so far, in the order they ended (HAProxy logs each at its end). */
  requests(): LoggedRequest[];
  stop(): Promise<void>;
}

/** One request as HAProxy's `option httplog` line tells it. */
export interface LoggedRequest {
  /** The client's address, without its port. */
  client: string;
  /** `backend/server`, e.g. `web/web-2`. */
  server: string;
  status: number;
  /** The request line, e.g. `POST /api/auth/sign-in/email HTTP/1.1`. */
  request: string;
}

/** Two addresses (host:port) per backend, as the config has two `server` lines for each. */
export interface ProxyTargets {
  services: [string, string];
  webs: [string, string];
}

/** The ports the proxy listens on (HAProxy cannot bind port 0: find them with `freePort` first). */
export interface ProxyPorts {
  service: number;
  web: number;
}

/**
 * Starts the proxy. Every port is chosen by the caller before anything starts: the web app must know
 * its public URL (the proxy's) and the service's address (the proxy again), and the proxy its servers'.
 */
export async function startHaproxy(ports: ProxyPorts, targets: ProxyTargets): Promise<TestProxy> {
  if (!existsSync(haproxyBinary)) {
    throw new Error(
      `HAProxy is missing at ${haproxyBinary}: install it with \`apt-get install -y haproxy\` (.ci/run does)`,
    );
  }
  const running = startProcess(haproxyBinary, ["-db", "-f", haproxyConfig], {
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    env: {
      PARLEY_PROXY_SERVICE_BIND: `127.0.0.1:${ports.service}`,
      PARLEY_PROXY_WEB_BIND: `127.0.0.1:${ports.web}`,
      PARLEY_SERVICE_1: targets.services[0],
      PARLEY_SERVICE_2: targets.services[1],
      PARLEY_WEB_1: targets.webs[0],
      PARLEY_WEB_2: targets.webs[1],
    },
  });
  return {
    serviceUrl: `http://127.0.0.1:${ports.service}`,
    webUrl: `http://127.0.0.1:${ports.web}`,
    output: running.output,
    untilServers: (state) => untilServers(running, state),
    requests: () => loggedRequests(running.output()),
    stop: running.stop,
  };
}

const serverNames = ["service/service-1", "service/service-2", "web/web-1", "web/web-2"];

async function untilServers(running: RunningProcess, state: "UP" | "DOWN"): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const latest = new Map<string, string>();
    for (const [, name, seen] of running.output().matchAll(/Server (\S+) is (UP|DOWN)/g)) {
      latest.set(name!, seen!);
    }
    if (serverNames.every((name) => latest.get(name) === state)) return;
    if (running.child.exitCode !== null) {
      throw new Error(`haproxy exited (${running.child.exitCode}):\n${running.output()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`the proxy's servers were not all ${state} within 30 s:\n${running.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// `<client>:<port> [<accept date>] <frontend> <backend>/<server> <timers> <status> ... "<request line>"`
const httpLogLine = /^([\d.]+):\d+ \[[^\]]+\] \S+ (\S+\/\S+) \S+ (\d{3}) .*"([^"]*)"$/gm;

function loggedRequests(output: string): LoggedRequest[] {
  return [...output.matchAll(httpLogLine)].map(([, client, server, status, request]) => ({
    client: client!,
    server: server!,
    status: Number(status),
    request: request!,
  }));
}
