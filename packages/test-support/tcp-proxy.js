/**
 * A TCP forwarder that a test can cut or freeze: the database, Redis (or any server) "goes away" or stops
 * answering, then comes back on the same port, without touching the real server other tests share.
 */
import { connect, createServer } from "node:net";

/** @type {import("./index.d.ts").startTcpProxy} */
export async function startTcpProxy(targetPort, targetHost = "127.0.0.1") {
  /** @type {Set<import("node:net").Socket>} */
  const sockets = new Set();
  /** @type {Set<import("node:net").Socket>} */
  const upstreams = new Set();
  let frozen = false;
  /** @param {import("node:net").Socket} socket */
  const track = (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const newServer = () =>
    createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      track(client);
      track(upstream);
      upstreams.add(upstream);
      upstream.on("close", () => upstreams.delete(upstream));
      client.pipe(upstream).pipe(client);
      if (frozen) upstream.pause();
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  /**
   * @param {import("node:net").Server} server
   * @param {number} port
   * @returns {Promise<number>}
   */
  const listen = (server, port) =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });

  /** @type {import("node:net").Server | undefined} */
  let server = newServer();
  const port = await listen(server, 0);
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (closing) await new Promise((resolve) => closing.close(() => resolve(undefined)));
  };
  return {
    port,
    cut,
    async restore() {
      if (server) return;
      server = newServer();
      await listen(server, port);
    },
    freeze() {
      frozen = true;
      for (const upstream of upstreams) upstream.pause();
    },
    thaw() {
      frozen = false;
      for (const upstream of upstreams) upstream.resume();
    },
    close: cut,
  };
}
