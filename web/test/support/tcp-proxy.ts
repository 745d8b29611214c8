/**
 * A copy of service/test/support/tcp-proxy.ts (web tests do not import the service's test code; moving it
 * to @parley/test-support would let both share one).
 *
 * A TCP forwarder that a test can cut: the database (or any server) "goes away" and comes back on the
 * same port, without touching the real server other tests share.
 *
 * ```ts
 * const proxy = await startTcpProxy(3306);   // listens on 127.0.0.1:<proxy.port>
 * await proxy.cut();                         // resets every connection and refuses new ones
 * await proxy.restore();                     // listens again on the same port
 * proxy.freeze(); proxy.thaw();              // the server stops answering (SIGSTOP-like), then resumes
 * await proxy.close();
 * ```
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Holds back everything the server sends, on open and new connections, until `thaw()`. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let frozen = false;
  const track = (socket: Socket) => {
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
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });

  let server: Server | undefined = newServer();
  const port = await listen(server, 0);
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
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
