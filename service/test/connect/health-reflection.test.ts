// Health and reflection over a real h2c socket, seen by foreign clients: `buf curl` (schema from
// reflection only, no proto files) and @grpc/grpc-js. The chat services are stubs: only their
// descriptors matter here.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { Health } from "@parley/gen/grpc/health/v1/health_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthService } from "../../src/adapters/connect/health.js";
import { registerReflection } from "../../src/adapters/connect/reflection.js";
import { bufCurl } from "../support/buf-curl.js";

const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const health = createHealthService({ services: [ChatService.typeName, LegacyChatService.typeName] });
const sessions = new Set<http2.ServerHttp2Session>();
let server: http2.Http2Server;
let url: string;
let address: string;

function routes(router: ConnectRouter) {
  router.service(ChatService, {
    listChats: () => ({
      chats: [{ id: "c1", title: "Stub", createTime: timestampFromDate(new Date("2026-01-02T03:04:05Z")) }],
    }),
  });
  router.service(LegacyChatService, {
    async *chatStream(request) {
      yield { chatId: "c1", userId: request.userId, content: "hi" };
    },
  });
  health.register(router);
  registerReflection(router, [ChatService, LegacyChatService, Health]);
}

beforeAll(async () => {
  server = http2.createServer(connectNodeAdapter({ routes }));
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  address = `127.0.0.1:${port}`;
  url = `http://${address}`;
});

afterAll(async () => {
  // server.close() waits for idle HTTP/2 sessions, so end them (gotcha 8 in STACK.md).
  for (const session of sessions) session.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("buf curl with server reflection", () => {
  const grpcH2c = ["--protocol", "grpc", "--http2-prior-knowledge"];

  it("lists every service", async () => {
    const { stdout } = await bufCurl([...grpcH2c, "--list-services", url]);
    expect(stdout.trim().split("\n").sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "parley.chat.v1.ChatService",
      "pb.ChatService",
    ]);
  });

  it("lists methods", async () => {
    const { stdout } = await bufCurl([...grpcH2c, "--list-methods", url]);
    const methods = stdout.trim().split("\n");
    expect(methods).toContain("grpc.health.v1.Health/Check");
    expect(methods).toContain("grpc.health.v1.Health/Watch");
    expect(methods).toContain("parley.chat.v1.ChatService/SendMessage");
    expect(methods).toContain("pb.ChatService/ChatStream");
  });

  it("calls Health/Check without proto files", async () => {
    const { stdout } = await bufCurl([
      ...grpcH2c,
      "-d",
      '{"service":""}',
      `${url}/grpc.health.v1.Health/Check`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ status: "SERVING" });
  });

  it("calls a chat method, resolving google.protobuf.Timestamp through reflection", async () => {
    const { stdout } = await bufCurl([
      ...grpcH2c,
      "-d",
      '{"userId":"u1"}',
      `${url}/parley.chat.v1.ChatService/ListChats`,
    ]);
    expect(JSON.parse(stdout)).toEqual({
      chats: [{ id: "c1", title: "Stub", createTime: "2026-01-02T03:04:05Z" }],
    });
  });

  it("calls a server-streaming legacy method", async () => {
    const { stdout } = await bufCurl([
      ...grpcH2c,
      "-d",
      '{"userId":"u1"}',
      `${url}/pb.ChatService/ChatStream`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ chatId: "c1", userId: "u1", content: "hi" });
  });

  it("works over the v1alpha reflection protocol", async () => {
    const alpha = [...grpcH2c, "--reflect-protocol", "grpc-v1alpha"];
    const { stdout } = await bufCurl([...alpha, "--list-services", url]);
    expect(stdout).toContain("parley.chat.v1.ChatService");
    const call = await bufCurl([
      ...alpha,
      "-d",
      '{"userId":"u1"}',
      `${url}/parley.chat.v1.ChatService/ListChats`,
    ]);
    expect(JSON.parse(call.stdout)).toMatchObject({ chats: [{ id: "c1" }] });
  });
});

/** The slice of the grpc-js clients these tests use (proto-loader's types are untyped). */
interface HealthClient extends grpc.Client {
  Check(
    req: { service: string },
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): void;
  Watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}
interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
}
interface ReflectionResponse {
  message_response: string;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}
type ClientCtor<T> = new (address: string, credentials: grpc.ChannelCredentials) => T;

/** A grpc-js client for `service` (e.g. "grpc.health.v1.Health") loaded from a .proto under proto/. */
function grpcClient<T>(file: string, service: string): T {
  const definition = protoLoader.loadSync(file, {
    includeDirs: [protoRoot],
    keepCase: true,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  const Ctor = service.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], loaded);
  return new (Ctor as ClientCtor<T>)(address, grpc.credentials.createInsecure());
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.Check({ service }, (err, res) => (err ? reject(err) : resolve(res?.status ?? ""))),
  );
}

/** Collects a Watch stream's statuses; `next()` waits for the next one. */
function watch(client: HealthClient, service: string) {
  const call = client.Watch({ service });
  const queue: string[] = [];
  const waiting: ((status: string) => void)[] = [];
  const ended = new Promise<grpc.ServiceError>((resolve) => call.on("error", resolve));
  call.on("data", ({ status }: { status: string }) => {
    const wake = waiting.shift();
    if (wake) wake(status);
    else queue.push(status);
  });
  return {
    next: () =>
      new Promise<string>((resolve) => (queue.length ? resolve(queue.shift()!) : waiting.push(resolve))),
    cancel: async () => {
      call.cancel();
      return ended;
    },
  };
}

async function eventually(assertion: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe("@grpc/grpc-js as a foreign client", () => {
  let healthClient: HealthClient;
  let reflectionClient: ReflectionClient;

  beforeAll(() => {
    healthClient = grpcClient("grpc/health/v1/health.proto", "grpc.health.v1.Health");
    reflectionClient = grpcClient(
      "grpc/reflection/v1/reflection.proto",
      "grpc.reflection.v1.ServerReflection",
    );
  });
  afterAll(() => {
    healthClient.close();
    reflectionClient.close();
  });

  it("checks the whole server and named services; an unknown one is NOT_FOUND", async () => {
    expect(await check(healthClient, "")).toBe("SERVING");
    expect(await check(healthClient, "pb.ChatService")).toBe("SERVING");
    await expect(check(healthClient, "nope")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("watches a service's changes until the client cancels, leaving no watcher behind", async () => {
    const watcher = watch(healthClient, "parley.chat.v1.ChatService");
    expect(await watcher.next()).toBe("SERVING");
    health.setStatus("parley.chat.v1.ChatService", "NOT_SERVING");
    expect(await watcher.next()).toBe("NOT_SERVING");
    health.setStatus("parley.chat.v1.ChatService", "SERVING");
    expect(await watcher.next()).toBe("SERVING");
    expect(health.watchers).toBe(1);
    expect((await watcher.cancel()).code).toBe(grpc.status.CANCELLED);
    await eventually(() => expect(health.watchers).toBe(0));
  });

  it("watches an unknown service as SERVICE_UNKNOWN, keeping the stream open until it is known", async () => {
    const watcher = watch(healthClient, "later.v1.Service");
    expect(await watcher.next()).toBe("SERVICE_UNKNOWN");
    health.setStatus("later.v1.Service", "SERVING");
    expect(await watcher.next()).toBe("SERVING");
    await watcher.cancel();
    await eventually(() => expect(health.watchers).toBe(0));
  });

  it("answers reflection: a symbol's file with its imports, and NOT_FOUND for an unknown one", async () => {
    const call = reflectionClient.ServerReflectionInfo();
    const responses: ReflectionResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (res: ReflectionResponse) => responses.push(res));
      call.on("end", resolve);
      call.on("error", reject);
    });
    call.write({ file_containing_symbol: "parley.chat.v1.ChatService" });
    call.write({ file_containing_symbol: "parley.chat.v1.ChatService.SendMessage" });
    call.write({ file_by_filename: "pb/chat.proto" });
    call.write({ file_containing_symbol: "no.such.Thing" });
    call.end();
    await done;

    const [bySymbol, byMethod, byName, unknown] = responses;
    const files = bySymbol?.file_descriptor_response?.file_descriptor_proto.map((bytes) =>
      fromBinary(FileDescriptorProtoSchema, bytes),
    );
    expect(files?.map((f) => f.name)).toEqual([
      "parley/chat/v1/chat.proto",
      "google/protobuf/timestamp.proto",
    ]);
    expect(files?.[0]?.dependency).toEqual(["google/protobuf/timestamp.proto"]);
    expect(files?.[0]?.service[0]?.method.map((m) => m.name)).toContain("WatchReply");
    expect(byMethod?.message_response).toBe("file_descriptor_response");
    expect(byName?.file_descriptor_response?.file_descriptor_proto).toHaveLength(1);
    expect(unknown?.error_response?.error_code).toBe(grpc.status.NOT_FOUND);
  });

  // Last: shutdown is permanent.
  it("reports NOT_SERVING everywhere after shutdown, and pushes it to watchers", async () => {
    const watcher = watch(healthClient, "");
    expect(await watcher.next()).toBe("SERVING");
    health.shutdown();
    expect(await watcher.next()).toBe("NOT_SERVING");
    expect(await check(healthClient, "")).toBe("NOT_SERVING");
    expect(await check(healthClient, "pb.ChatService")).toBe("NOT_SERVING");
    health.setStatus("", "SERVING");
    expect(await check(healthClient, "")).toBe("NOT_SERVING");
    await watcher.cancel();
  });
});
