/**
 * Row 9's reference: the least a BFF can do — a Connect-ES client to the service in, one SSE `data:` line
 * per event out, nothing else (no auth, no tRPC, no Next.js). `GET /?text=…` starts a reply. Prints
 * `"port":N` when listening. Its CPU per delta is what the web BFF is compared with.
 */
import { createServer } from "node:http";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth } from "@parley/test-support";

const client = createClient(
  ChatService,
  createGrpcTransport({
    baseUrl: process.env.SERVICE_URL,
    interceptors: [bearerAuth(process.env.SERVICE_TOKEN)],
  }),
);

const server = createServer(async (req, res) => {
  const text = new URL(req.url ?? "/", "http://localhost").searchParams.get("text") ?? "";
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  try {
    for await (const { event } of client.sendMessage(
      { userId: "bench-sse", text },
      { signal: controller.signal },
    )) {
      const kind = event?.kind;
      if (kind?.case === "delta")
        res.write(
          `data: ${JSON.stringify({ type: "delta", text: kind.value.text, offset: kind.value.offset })}\n\n`,
        );
      else if (kind) res.write(`data: ${JSON.stringify({ type: kind.case })}\n\n`);
    }
  } catch {
    // the caller left, or the reply failed: the stream just ends
  }
  res.end();
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`{"port":${server.address().port}}\n`));
process.once("SIGTERM", () => process.exit(0));
