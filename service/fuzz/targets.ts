/**
 * The fuzz targets: each makes one request at a time from the committed seeds (`seeds/`), mutated or
 * not, and says what it acts as, so the run can check statuses and account for what was written.
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { rpcNamed, type Rpc } from "./methods.js";
import { badEnvelope, envelope, mutateBytes, mutateJson, nastyString } from "./mutate.js";
import type { Random } from "./prng.js";
import type { FuzzRequest } from "./wire.js";

export interface FuzzContext {
  rng: Random;
  token: string;
  owner: { userId: string; chatIds: string[]; replyIds: string[] };
  /** A user id no other request uses (`fz-<seed>-<n>`), so rows can be traced to their request. */
  freshUser(): string;
  twilio: { authToken: string; webhookUrl: string; path: string };
  /** A WhatsApp sender no other request uses. */
  freshSender(): string;
}

export interface Generated {
  request: FuzzRequest;
  /** The RPC called, when the path names a real one. */
  rpc?: Rpc;
  /** The fresh user (or sender) it acts as; rows of that user must come from an accepted request. */
  actor?: string;
  /** Whether, if accepted, it writes (a message, a WhatsApp turn). */
  writes: boolean;
  /** HTTP statuses its endpoint documents, for requests that are not RPCs. */
  httpStatuses?: readonly number[];
}

export interface Target {
  name: string;
  generate(context: FuzzContext): Generated;
}

const seeds = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./seeds/${name}.json`, import.meta.url), "utf8"));
const rpcSeeds = seeds("rpc") as { method: string; message: Record<string, unknown> }[];
const binarySeeds = seeds("binary") as { method: string; hex: string }[];
const headerSeeds = seeds("headers") as {
  contentType: string[];
  grpcTimeout: string[];
  connectTimeoutMs: string[];
  authorization: string[];
  encoding: string[];
  extra: [string, string][];
};
const twilioSeeds = seeds("twilio") as Record<string, string>[];
const chatSeeds = seeds("chat") as Record<string, unknown>[];

/** `POST /chat` statuses (README, "Talk to it"). */
export const chatEndpointStatuses = [200, 400, 401, 404, 405, 409, 413, 503] as const;
/** Webhook statuses (README, "How it behaves"). */
export const webhookStatuses = [200, 400, 403, 405, 413, 503] as const;

/** A seed message with its placeholders filled: `$user` a fresh user, `$owner`/`$chat`/`$reply` real ones. */
function fill(
  context: FuzzContext,
  message: Record<string, unknown>,
): { message: Record<string, unknown>; actor?: string } {
  let actor: string | undefined;
  const value = (v: unknown): unknown => {
    if (v === "$user") return (actor ??= context.freshUser());
    if (v === "$owner") return context.owner.userId;
    if (v === "$chat") return context.rng.pick(context.owner.chatIds);
    if (v === "$reply") return context.rng.pick(context.owner.replyIds);
    return v;
  };
  return { message: Object.fromEntries(Object.entries(message).map(([k, v]) => [k, value(v)])), actor };
}

/** A seed RPC call as a message: its binary and JSON forms. */
function seedCall(context: FuzzContext) {
  const seed = context.rng.pick(rpcSeeds);
  const rpc = rpcNamed(seed.method);
  const { message, actor } = fill(context, seed.message);
  const json = context.rng.chance(0.5) ? mutateJson(context.rng, message) : message;
  let binary: Uint8Array;
  try {
    binary = toBinary(rpc.input, fromJson(rpc.input, message as JsonValue));
  } catch {
    binary = new Uint8Array();
  }
  return { rpc, actor, binary, json: JSON.stringify(json) };
}

const auth = (context: FuzzContext) => ({ authorization: `Bearer ${context.token}` });

/** gRPC and Connect with binary protobuf bodies, mutated and re-framed. */
const binaryTarget: Target = {
  name: "binary",
  generate(context) {
    const { rng } = context;
    let { rpc, actor, binary } = seedCall(context);
    if (rng.chance(0.2)) {
      const seed = rng.pick(binarySeeds);
      rpc = rpcNamed(seed.method);
      binary = Uint8Array.from(Buffer.from(seed.hex, "hex"));
      actor = undefined;
    }
    const payload = rng.chance(0.7) ? mutateBytes(rng, binary, rng.bytes(16)) : binary;
    const framing = rng.pick(["grpc", "connect-unary", "connect-stream"] as const);
    const framed = rng.chance(0.1) ? badEnvelope(rng, payload) : envelope(payload);
    if (framing === "grpc") {
      return call(
        rpc,
        actor,
        "h2",
        { ...auth(context), "content-type": "application/grpc", te: "trailers" },
        framed,
      );
    }
    const contentType = framing === "connect-unary" ? "application/proto" : "application/connect+proto";
    const body = framing === "connect-unary" ? payload : framed;
    return call(rpc, actor, rng.pick(["h1", "h2"]), { ...auth(context), "content-type": contentType }, body);
  },
};

/** Connect's JSON forms, unary and streaming, with mutated messages and text. */
const connectJsonTarget: Target = {
  name: "connect-json",
  generate(context) {
    const { rng } = context;
    const { rpc, actor, json } = seedCall(context);
    let text = Buffer.from(json);
    if (rng.chance(0.2)) text = Buffer.from(mutateBytes(rng, text));
    const streaming = rng.chance(0.8) ? rpc.streaming : !rpc.streaming;
    const headers = {
      ...auth(context),
      "content-type": streaming ? "application/connect+json" : "application/json",
    };
    return call(rpc, actor, rng.pick(["h1", "h2"]), headers, streaming ? envelope(text) : text);
  },
};

/** gRPC-Web frames, binary and base64 text, over HTTP/1.1. */
const grpcWebTarget: Target = {
  name: "grpc-web",
  generate(context) {
    const { rng } = context;
    const { rpc, actor, binary } = seedCall(context);
    const payload = rng.chance(0.5) ? mutateBytes(rng, binary) : binary;
    let framed = rng.chance(0.15) ? badEnvelope(rng, payload) : envelope(payload);
    const asText = rng.chance(0.3);
    if (asText) framed = Buffer.from(Buffer.from(framed).toString("base64") + (rng.chance(0.2) ? "!=" : ""));
    const headers = {
      ...auth(context),
      "content-type": asText ? "application/grpc-web-text" : "application/grpc-web+proto",
      "x-grpc-web": "1",
    };
    return call(rpc, actor, "h1", headers, framed);
  },
};

/** Valid calls with hostile headers: content types, deadlines, tokens, encodings, unknown paths. */
const headersTarget: Target = {
  name: "headers",
  generate(context) {
    const { rng } = context;
    const h = headerSeeds;
    const seed = seedCall(context);
    const { rpc, actor } = seed;
    let { binary } = seed;
    const protocol = rng.pick(["grpc", "connect", "grpc-web"] as const);
    const headers: Record<string, string> = {
      "content-type": rng.chance(0.6)
        ? {
            grpc: "application/grpc",
            connect: "application/connect+proto",
            "grpc-web": "application/grpc-web",
          }[protocol]
        : rng.pick(h.contentType),
    };
    if (rng.chance(0.8))
      headers.authorization = rng.pick(h.authorization).replaceAll("$token", context.token);
    if (rng.chance(0.4)) headers["grpc-timeout"] = rng.pick(h.grpcTimeout);
    if (rng.chance(0.3)) headers["connect-timeout-ms"] = rng.pick(h.connectTimeoutMs);
    let flags = 0;
    if (rng.chance(0.4)) {
      const encoding = rng.pick(h.encoding);
      headers[protocol === "connect" ? "connect-content-encoding" : "grpc-encoding"] = encoding;
      if (encoding.toLowerCase().includes("gzip") && rng.chance(0.7)) {
        binary = gzipSync(rng.chance(0.5) ? mutateBytes(rng, binary) : binary);
        flags = 1;
      } else if (rng.chance(0.3)) flags = 1;
    }
    for (const [name, value] of h.extra) if (rng.chance(0.1)) headers[name] = value;
    let path = rpc.path;
    if (rng.chance(0.1)) {
      path = rng.pick([
        "/",
        "/parley.chat.v1.ChatService/Nope",
        `${path}/x`,
        path.toLowerCase(),
        `${path}?x=1`,
      ]);
    }
    const transport =
      protocol === "grpc" ? "h2" : protocol === "grpc-web" ? "h1" : rng.pick(["h1", "h2"] as const);
    // HTTP/2 forbids `te` other than "trailers" (Node's client refuses to send it).
    if (transport === "h2") delete headers.te;
    const generated = call(rpc, actor, transport, headers, envelope(binary, flags));
    generated.request.path = path;
    if (rng.chance(0.05)) generated.request.method = rng.pick(["GET", "PUT", "OPTIONS"]);
    return generated;
  },
};

/** Twilio's WhatsApp webhook: signed, unsigned, wrongly signed and tampered forms. */
const twilioTarget: Target = {
  name: "twilio",
  generate(context) {
    const { rng } = context;
    const sender = context.freshSender();
    let params: Record<string, string> = {
      MessageSid: `SM${Buffer.from(rng.bytes(16)).toString("hex")}`,
      From: sender,
      To: "whatsapp:+14155238886",
      AccountSid: "AC0a1b2c3d0a1b2c3d0a1b2c3d0a1b2c3d",
      ...rng.pick(twilioSeeds),
    };
    if (rng.chance(0.4)) params = mutateJson(rng, params) as Record<string, string>;
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const signed = Object.fromEntries(form);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    const mode = rng.int(5);
    if (mode < 3)
      headers["x-twilio-signature"] = getExpectedTwilioSignature(
        context.twilio.authToken,
        context.twilio.webhookUrl,
        signed,
      );
    else if (mode === 3) headers["x-twilio-signature"] = Buffer.from(rng.bytes(20)).toString("base64");
    let body = Buffer.from(form.toString());
    if (mode === 2 && rng.chance(0.5)) body = Buffer.from(mutateBytes(rng, body)); // signed, then tampered
    if (rng.chance(0.03)) body = Buffer.alloc(70 * 1024, "a");
    return {
      request: {
        transport: rng.pick(["h1", "h2"]),
        method: rng.chance(0.05) ? "GET" : "POST",
        path: context.twilio.path,
        headers,
        body,
      },
      actor: sender,
      writes: true,
      httpStatuses: webhookStatuses,
    };
  },
};

/** `POST /chat`, the original JSON endpoint. */
const chatTarget: Target = {
  name: "chat",
  generate(context) {
    const { rng } = context;
    const { message, actor } = fill(context, rng.pick(chatSeeds));
    let body = Buffer.from(JSON.stringify(rng.chance(0.5) ? mutateJson(rng, message) : message));
    if (rng.chance(0.15)) body = Buffer.from(mutateBytes(rng, body));
    if (rng.chance(0.05))
      body = Buffer.from(JSON.stringify({ ...message, user_message: nastyString(rng).repeat(20) }));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (rng.chance(0.85))
      headers.authorization = rng.pick(headerSeeds.authorization).replaceAll("$token", context.token);
    return {
      request: {
        transport: rng.pick(["h1", "h2"]),
        method: rng.chance(0.05) ? "PUT" : "POST",
        path: "/chat",
        headers,
        body,
      },
      actor,
      writes: true,
      httpStatuses: chatEndpointStatuses,
    };
  },
};

function call(
  rpc: Rpc,
  actor: string | undefined,
  transport: "h1" | "h2",
  headers: Record<string, string>,
  body: Uint8Array,
): Generated {
  // Health Watch never ends on its own: hang up like a client that has seen enough.
  const hangUpAfterMs = rpc.name === "Watch" ? 300 : undefined;
  return {
    request: { transport, method: "POST", path: rpc.path, headers, body, hangUpAfterMs },
    rpc,
    actor,
    writes: rpc.writes,
  };
}

export const targets: Target[] = [
  binaryTarget,
  connectJsonTarget,
  grpcWebTarget,
  headersTarget,
  twilioTarget,
  chatTarget,
];
