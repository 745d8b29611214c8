/**
 * Parley's own layers between a watcher's queue and Connect, alone, in one process: one live reply's
 * subscription, read through the reply stream and the error interceptor as the service composes them,
 * by a consumer that keeps up (as connect-node's pipeline does), with one delta pushed per turn of the
 * event loop (a paced stream's delta comes with a socket read). Prints the CPU per delta those layers
 * add over the producer alone, and how many messages went out. Works on a build before "Fewer hops per
 * delta" too (docs/benchmarks.md), so the two can be compared:
 *
 *   node bench/reply-stream-layers.mjs [<service/dist directory>=./dist] [deltas=300000]
 *
 * Nothing of connect-node, HTTP/2 or the model's stream is in it: it bounds what the change could save.
 */
import { createContextValues } from "@connectrpc/connect";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [distArg = "dist", countArg = "300000"] = process.argv.slice(2);
const count = Number(countArg);
const from = (path) => import(pathToFileURL(resolve(distArg, path)).href);
const { ReplySubscription } = await from("application/replies/reply-subscription.js");
const { mapReplyStream } = await from("adapters/connect/reply-stream.js");
const errors = await from("adapters/connect/connect-errors.js");
const { replyEventToProto } = await from("adapters/connect/proto-mapping.js");
const toEventMessage = (event) => ({ event: replyEventToProto(event) });
const logger = { info() {}, warn() {}, error() {} };
/** Builds since the change: the stream maps its own errors and the handler is no generator. */
const folded = typeof errors.claimStreamErrorMapping === "function";

async function oneStream(deltas, consume) {
  const subscription = new ReplySubscription(undefined, () => undefined, { maxBytes: 16_384, maxAgeMs: 16 });
  const open = async () => subscription;
  // What the handler returns, as chat-service-handler.ts composes it in each build.
  const handler = async (request) => ({
    stream: true,
    header: new globalThis.Headers(),
    message: folded
      ? mapReplyStream(open, toEventMessage, errors.claimStreamErrorMapping(request.contextValues))
      : (async function* () {
          yield* mapReplyStream(await open(), toEventMessage);
        })(),
  });
  const request = {
    stream: true,
    signal: new AbortController().signal,
    contextValues: createContextValues(),
    header: new globalThis.Headers(),
  };
  const response = await errors.createErrorInterceptor(logger)(handler)(request);
  let messages = 0;
  const consumed = consume
    ? (async () => {
        for await (const _ of response.message) messages++;
      })()
    : null;
  subscription.push({
    type: "started",
    chatId: "c",
    userMessageId: "u",
    replyId: "r",
    model: "m",
    context: null,
  });
  let pushed = 0;
  await new Promise((done) => {
    const step = () => {
      if (pushed === deltas) return done();
      subscription.push({ type: "delta", text: "tok ", offset: 4 * pushed++ });
      setImmediate(step);
    };
    setImmediate(step);
  });
  const length = 4 * deltas;
  subscription.push({
    type: "finished",
    status: "complete",
    finishReason: "stop",
    usage: null,
    error: null,
    errorCode: null,
    length,
  });
  if (!consume) subscription.close();
  await consumed;
  return messages;
}

async function measure(consume) {
  const before = process.cpuUsage();
  const messages = await oneStream(count, consume);
  const used = process.cpuUsage(before);
  return { us: (used.user + used.system) / count, messages };
}

await oneStream(20_000, true); // warm-up
const bare = await measure(false);
const full = await measure(true);
console.log(
  `${folded ? "folded" : "before"}: ${(full.us - bare.us).toFixed(2)} µs per delta in the layers ` +
    `(producer alone ${bare.us.toFixed(2)} µs); ${full.messages} messages for ${count} deltas`,
);
