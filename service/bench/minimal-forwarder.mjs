/**
 * A reference point, not a baseline of the table: the least a Connect forwarder can do — the `openai`
 * SDK in, connect-node gRPC over HTTP/2 out, one async generator, no database, no job, no watchers —
 * serving the same `SendMessage` contract. What Parley spends above this is its own product work. It
 * reads the model's stream as Parley does (the SDK over undici's `request`, dist's node-stream-fetch),
 * so the transport is the same on both sides of the comparison.
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
import OpenAI from "openai";
import { getGlobalDispatcher } from "undici";
import { createNodeStreamFetch } from "../dist/adapters/openai/node-stream-fetch.js";

const prompts = process.env.FORWARDER_PROMPTS
  ? JSON.parse(readFileSync(process.env.FORWARDER_PROMPTS, "utf8"))
  : {};

const client = new OpenAI({
  apiKey: "sk-bench",
  baseURL: process.env.OPENAI_BASE_URL,
  maxRetries: 0,
  fetch: createNodeStreamFetch(getGlobalDispatcher()),
});

const routes = (router) =>
  router.service(ChatService, {
    async *sendMessage(request, context) {
      yield {
        event: {
          kind: { case: "started", value: { chatId: "c", replyId: "r", userMessageId: "u", model: "m" } },
        },
      };
      const stream = await client.chat.completions.create(
        {
          model: "gpt-4o-mini",
          messages: prompts[request.text] ?? [{ role: "user", content: request.text }],
          max_tokens: 1024,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: context.signal },
      );
      let offset = 0;
      for await (const chunk of stream) {
        const text = chunk.choices?.[0]?.delta?.content;
        if (!text) continue;
        yield { event: { kind: { case: "delta", value: { text, offset } } } };
        offset += text.length;
      }
      yield {
        event: { kind: { case: "finished", value: { status: ReplyStatus.COMPLETE, length: offset } } },
      };
    },
  });

const server = createServer(connectNodeAdapter({ routes }));
server.listen(0, "127.0.0.1", () => process.stdout.write(`{"port":${server.address().port}}\n`));
process.once("SIGTERM", () => process.exit(0)); // exits through Node, so --cpu-prof can write its profile
