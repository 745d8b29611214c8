import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { bearerAuth, startTcpProxy, testServerUrl } from "./index.js";

describe("testServerUrl", () => {
  it("drops the database name and keeps the credentials", () => {
    assert.equal(
      testServerUrl("mysql://app:s3cret@db.internal:3307/parley"),
      "mysql://app:s3cret@db.internal:3307",
    );
  });

  it("keeps a user without a password, and no credentials when there are none", () => {
    assert.equal(testServerUrl("mysql://root@127.0.0.1:3306"), "mysql://root@127.0.0.1:3306");
    assert.equal(testServerUrl("mysql://127.0.0.1/x"), "mysql://127.0.0.1");
  });

  it("keeps percent-encoded credentials encoded", () => {
    assert.equal(testServerUrl("mysql://a%40b:p%2Fw@host/db"), "mysql://a%40b:p%2Fw@host");
  });

  it("reads TEST_DATABASE_URL, else the CI's local root", () => {
    const saved = process.env.TEST_DATABASE_URL;
    try {
      process.env.TEST_DATABASE_URL = "mysql://ci@mariadb:3306/ignored";
      assert.equal(testServerUrl(), "mysql://ci@mariadb:3306");
      delete process.env.TEST_DATABASE_URL;
      assert.equal(testServerUrl(), "mysql://root@127.0.0.1:3306");
    } finally {
      if (saved === undefined) delete process.env.TEST_DATABASE_URL;
      else process.env.TEST_DATABASE_URL = saved;
    }
  });
});

describe("bearerAuth", () => {
  it("sets the authorization header and passes the request on", async () => {
    const request = { header: new Map() };
    const response = await bearerAuth("t0ken")(async (sent) => ({ sent }))(request);
    assert.equal(request.header.get("authorization"), "Bearer t0ken");
    assert.equal(response.sent, request);
  });
});

describe("startTcpProxy", () => {
  /** @type {import("node:net").Server} */
  let server;
  /** What the server received, per connection, and the connections themselves. */
  const received = [];
  const accepted = [];
  before(async () => {
    server = createServer((socket) => {
      const index = accepted.push(socket) - 1;
      received[index] = "";
      // A cut resets the forwarder's side of the connection.
      socket.on("error", () => socket.destroy());
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => {
        received[index] += chunk;
        socket.emit("received");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  });
  after(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A client connected through `port`, with everything it has read so far. */
  const client = async (port) => {
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    const read = { text: "", socket };
    socket.on("error", () => socket.destroy());
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (read.text += chunk));
    return read;
  };
  /** Resolves once the server's `index`th connection has received `text` in all. */
  const serverReceives = async (index, text) => {
    while (accepted[index] === undefined || received[index] !== text) {
      await once(accepted[index] ?? server, accepted[index] ? "received" : "connection");
    }
  };

  it("forwards both ways; cut resets and refuses connections, restore accepts them on the same port", async () => {
    const proxy = await startTcpProxy(server.address().port);
    try {
      const index = accepted.length;
      const first = await client(proxy.port);
      first.socket.write("hello");
      await serverReceives(index, "hello");
      accepted[index].write("hi");
      while (first.text !== "hi") await once(first.socket, "data");

      const reset = once(first.socket, "close");
      await proxy.cut();
      await assert.rejects(reset, { code: "ECONNRESET" });
      const refused = connect(proxy.port, "127.0.0.1");
      const [error] = await once(refused, "error");
      assert.equal(error.code, "ECONNREFUSED");

      await proxy.restore();
      const next = accepted.length;
      const second = await client(proxy.port);
      second.socket.write("again");
      await serverReceives(next, "again");
      second.socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it("freeze holds back what the server sends (what the client sends still goes through); thaw releases it", async () => {
    const proxy = await startTcpProxy(server.address().port);
    try {
      const index = accepted.length;
      const open = await client(proxy.port);
      open.socket.write("a");
      await serverReceives(index, "a");

      proxy.freeze();
      await new Promise((resolve) => accepted[index].write("held", resolve));
      // The client's bytes still reach the server after the server wrote: the held ones did not arrive.
      open.socket.write("b");
      await serverReceives(index, "ab");
      // A connection opened while frozen is held back too.
      const late = await client(proxy.port);
      late.socket.write("c");
      await serverReceives(index + 1, "c");
      accepted[index + 1].write("late");
      open.socket.write("d");
      await serverReceives(index, "abd");
      assert.equal(open.text, "");
      assert.equal(late.text, "");

      proxy.thaw();
      while (open.text !== "held") await once(open.socket, "data");
      while (late.text !== "late") await once(late.socket, "data");
      open.socket.destroy();
      late.socket.destroy();
    } finally {
      await proxy.close();
    }
  });
});
