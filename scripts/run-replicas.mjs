#!/usr/bin/env node
/**
 * `npm run replicas`: Parley as it runs scaled out, on one machine without Docker. Builds once, then
 * starts HAProxy with deploy/haproxy/haproxy.cfg (the compose profile `scale` uses the same file), two
 * chat services on one MySQL/MariaDB and the machine's Redis, and two web apps, all behind the proxy;
 * the web apps reach the services through the proxy too. Prints the addresses; Ctrl+C stops everything
 * it started, by PID.
 *
 * Needs /usr/sbin/haproxy (`apt-get install -y haproxy`; do not start the system service) and Redis at
 * REDIS_URL (default redis://127.0.0.1:6379). Ports: PORT (the proxy's service port, default 8080) and
 * WEB_PORT (the proxy's web port, default 3000); the replicas listen on 127.0.0.1 at
 * REPLICA_SERVICE_PORTS (default 8181,8182) and REPLICA_WEB_PORTS (default 3101,3102).
 * Everything else as `npm start`: the environment or the root .env (.env.example).
 */
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { buildAll, createSupervisor, parleySettings, root } from "./lib/parley-processes.mjs";

const haproxy = "/usr/sbin/haproxy";
const ports = (value, fallback) => (value || fallback).split(",").map((port) => port.trim());
const proxyServicePort = process.env.PORT || "8080";
const proxyWebPort = process.env.WEB_PORT || "3000";
const servicePorts = ports(process.env.REPLICA_SERVICE_PORTS, "8181,8182");
const webPorts = ports(process.env.REPLICA_WEB_PORTS, "3101,3102");

const { env, notes } = parleySettings({
  serviceUrl: `http://127.0.0.1:${proxyServicePort}`,
  webUrl: `http://localhost:${proxyWebPort}`,
});
env.REDIS_URL ||= "redis://127.0.0.1:6379";
// Every connection now comes from the proxy: no per-address cap in the service, and the web app
// believes the X-Forwarded-For the proxy appends (so sign-in limits see each browser's address).
env.MAX_CONNECTIONS_PER_ADDRESS ||= "0";
env.TRUSTED_PROXIES ||= "127.0.0.1";

if (!existsSync(haproxy)) {
  console.error(`HAProxy is missing at ${haproxy}: apt-get install -y haproxy (then run this again).`);
  process.exit(1);
}
if (servicePorts.length !== 2 || webPorts.length !== 2) {
  console.error("deploy/haproxy/haproxy.cfg has two servers of each: give two ports in each list.");
  process.exit(1);
}
await redisAnswers(env.REDIS_URL).catch((error) => {
  console.error(`Redis does not answer at ${env.REDIS_URL} (${error.message}): start it (redis-server).`);
  process.exit(1);
});

buildAll(env);
const processes = createSupervisor();
// The proxy first: the web apps' SERVICE_URL is its service port. Until the replicas are up its health
// checks report them DOWN, then UP.
await processes.run("proxy", haproxy, ["-db", "-f", `${root}deploy/haproxy/haproxy.cfg`], {
  cwd: root,
  env: {
    ...env,
    PARLEY_PROXY_SERVICE_BIND: `:${proxyServicePort}`,
    PARLEY_PROXY_WEB_BIND: `:${proxyWebPort}`,
    PARLEY_SERVICE_1: `127.0.0.1:${servicePorts[0]}`,
    PARLEY_SERVICE_2: `127.0.0.1:${servicePorts[1]}`,
    PARLEY_WEB_1: `127.0.0.1:${webPorts[0]}`,
    PARLEY_WEB_2: `127.0.0.1:${webPorts[1]}`,
  },
  ready: null,
});
// One after the other: the first migrates the database, the next finds it done.
for (const [i, port] of servicePorts.entries()) {
  await processes.service(`service-${i + 1}`, { ...env, PORT: port, HOST: "127.0.0.1" });
}
for (const [i, port] of webPorts.entries()) {
  await processes.web(`web-${i + 1}`, { ...env, PORT: port }, "127.0.0.1");
}

console.log(
  [
    "",
    "  Parley is running as 2 services and 2 web apps behind HAProxy.",
    ...notes.map((note) => `  ${note}`),
    "",
    `  Open ${env.BETTER_AUTH_URL}`,
    `  gRPC and Connect (h2c and HTTP/1.1): http://localhost:${proxyServicePort}`,
    `  Replicas: services on ${servicePorts.join(", ")}, web apps on ${webPorts.join(", ")} (127.0.0.1)`,
    "",
  ].join("\n"),
);

/** Resolves once a Redis server at `url` answers PING. */
function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port) || 6379, hostname || "127.0.0.1");
    socket.setTimeout(2_000, () => socket.destroy(new Error("no answer within 2 s")));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", () => {
      socket.end();
      resolve();
    });
    socket.once("error", reject);
  });
}
