/**
 * The connection pool every provider's requests go through. The SDK calls Node's fetch, whose global
 * pool (undici) keeps an idle connection for 4 s: a person who reads an answer for longer than that
 * (most do) made the next message pay a new TCP and TLS handshake to the provider — two or three round
 * trips before the request is even sent, more than all of Parley's own time to the first token. This
 * pool keeps idle connections for `keepAliveMs` unless the server's `Keep-Alive` header asks for less;
 * a connection the server closed meanwhile is found closed and replaced, and a request that meets a
 * close in flight fails as a connection error, which the SDK retries (before the first token only).
 * Under load it holds one connection per live stream (HTTP/1.1, as OpenAI-compatible servers speak it).
 */
import { Agent } from "undici";

export function createUpstreamAgent(keepAliveMs: number): Agent {
  return new Agent({ keepAliveTimeout: keepAliveMs, keepAliveMaxTimeout: keepAliveMs });
}
