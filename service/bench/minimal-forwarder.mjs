/**
 * A reference point, not a baseline of the table: the least a Connect forwarder can do — the `openai`
 * SDK in, connect-node gRPC over HTTP/2 out, one async generator, no database, no job, no watchers —
 * serving the same `SendMessage` contract. What Parley spends above this is its own product work. It
 * calls the model through Parley's own ChatModel adapter (dist's openai-chat-model: the SDK's request
 * over undici's `request`, the event stream read by its SseDecoder), so the model's side is the same on
 * both sides of the comparison.
 * Started by the orchestrator with `--reference` (with probe.mjs preloaded, as the service is); prints
 * `"port":N` like the service.
 *
 * `FORWARDER_PROMPTS` may name a JSON file of whole prompts by message text: row 1 sends its stored
 * chat's prompt for its question, so the forwarder's time to first token is measured with the very
 * prompt Parley and the SDK send (a forwarder has no history of its own to read).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { createOpenAIChatModel } from "../dist/adapters/openai/openai-chat-model.js";

const prompts = process.env.FORWARDER_PROMPTS
  ? JSON.parse(readFileSync(process.env.FORWARDER_PROMPTS, "utf8"))
  : {};

const model = createOpenAIChatModel({
  apiKey: "sk-bench",
  baseURL: process.env.OPENAI_BASE_URL,
  maxRetries: 0,
  idleTimeoutMs: 30_000,
});

const routes = (router) =>
  router.service(ChatService, {
    async *sendMessage(request, context) {
      yield {
        event: {
          kind: { case: "started", value: { chatId: "c", replyId: "r", userMessageId: "u", model: "m" } },
        },
      };
      const events = model.stream(
        {
          model: "gpt-4o-mini",
          messages: prompts[request.text] ?? [{ role: "user", content: request.text }],
          maxOutputTokens: 1024,
        },
        context.signal,
      );
      let offset = 0;
      for await (const event of events) {
        if (event.type !== "delta") continue;
        yield { event: { kind: { case: "delta", value: { text: event.text, offset } } } };
        offset += event.text.length;
      }
      yield {
        event: { kind: { case: "finished", value: { status: ReplyStatus.COMPLETE, length: offset } } },
      };
    },
  });

const server = createServer(connectNodeAdapter({ routes }));
server.listen(0, "127.0.0.1", () => process.stdout.write(`{"port":${server.address().port}}\n`));
process.once("SIGTERM", () => process.exit(0)); // exits through Node, so --cpu-prof can write its profile
