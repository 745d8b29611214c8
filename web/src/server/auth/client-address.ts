/**
 * The address a request comes from, for per-address limits. The peer of the socket (stamped by our Node
 * server, see remote-address.ts) is the client, unless it is one of `trustedProxies`: then the
 * `X-Forwarded-For` chain is walked from the right, skipping trusted hops, and the first other address is
 * the client. With no trusted proxies (the default) forwarded headers are ignored, since anyone talking to
 * the app directly can write whatever they like in them.
 */
import "server-only";
import { BlockList, isIP } from "node:net";
import { remoteAddressHeader } from "../remote-address";

/** Where the auth handler hands the resolved address to better-auth (`advanced.ipAddress`). */
export const clientAddressHeader = "x-parley-client-address";

/** `::ffff:192.0.2.1` (IPv4 on a dual-stack socket) is 192.0.2.1. */
function normalize(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed.toLowerCase();
}

/** True when `entry` is an address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrRange(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.trim().split("/");
  const family = isIP(normalize(address));
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A function from a request's headers to its client's address (null when the app cannot know it). */
export function createClientAddressResolver(trustedProxies: readonly string[]) {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    if (!isAddressOrRange(entry)) throw new Error(`not an address or CIDR range: ${entry}`);
    const [address = "", prefix] = entry.split("/");
    const normalized = normalize(address);
    const type = isIP(normalized) === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) trusted.addAddress(normalized, type);
    else trusted.addSubnet(normalized, Number(prefix), type);
  }
  const isTrusted = (address: string) => trusted.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");

  return (headers: Headers): string | null => {
    const peer = normalize(headers.get(remoteAddressHeader) ?? "");
    if (isIP(peer) === 0) return null;
    if (trustedProxies.length === 0 || !isTrusted(peer)) return peer;
    const hops = (headers.get("x-forwarded-for") ?? "").split(",").map(normalize).filter(Boolean);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      // A malformed hop ends the walk: the last trustworthy address is the client as far as we know.
      if (isIP(hops[i]!) === 0) break;
      client = hops[i]!;
      if (!isTrusted(client)) break;
    }
    return client;
  };
}
