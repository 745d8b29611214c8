import { describe, expect, it } from "vitest";
import { createClientAddressResolver, isAddressOrRange } from "./client-address";

const request = (peer: string | null, forwardedFor?: string) =>
  new Headers({
    ...(peer === null ? {} : { "x-parley-remote-address": peer }),
    ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }),
  });

describe("the client address", () => {
  it("is the socket's peer, whatever X-Forwarded-For says, when no proxy is trusted", () => {
    const resolve = createClientAddressResolver([]);
    expect(resolve(request("203.0.113.7", "198.51.100.1"))).toBe("203.0.113.7");
    expect(resolve(request("::ffff:203.0.113.7"))).toBe("203.0.113.7");
    expect(resolve(request("2001:db8::1"))).toBe("2001:db8::1");
    expect(resolve(request(null, "198.51.100.1"))).toBeNull();
  });

  it("is the first untrusted hop from the right when the peer is a trusted proxy", () => {
    const resolve = createClientAddressResolver(["10.0.0.5", "172.18.0.0/16"]);
    expect(resolve(request("10.0.0.5", "198.51.100.9"))).toBe("198.51.100.9");
    // A client cannot choose its address by writing one in front: the proxy appends the real one.
    expect(resolve(request("10.0.0.5", "6.6.6.6, 198.51.100.9"))).toBe("198.51.100.9");
    expect(resolve(request("10.0.0.5", "6.6.6.6, 198.51.100.9, 172.18.3.4"))).toBe("198.51.100.9");
    // No header, or garbage in it: the last trustworthy hop.
    expect(resolve(request("10.0.0.5"))).toBe("10.0.0.5");
    expect(resolve(request("10.0.0.5", "not-an-address"))).toBe("10.0.0.5");
    // A peer that is not a trusted proxy is the client, forwarded header or not.
    expect(resolve(request("203.0.113.7", "198.51.100.9"))).toBe("203.0.113.7");
  });

  it("settings accept addresses and CIDR ranges only", () => {
    expect(["10.0.0.5", "10.0.0.0/8", "fd00::/8", "::1"].every(isAddressOrRange)).toBe(true);
    expect(["proxy", "10.0.0.0/33", "10.0.0.1/8/2", ""].some(isAddressOrRange)).toBe(false);
  });
});
