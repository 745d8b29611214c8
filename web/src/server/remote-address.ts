/**
 * The header through which the app learns the address of the peer that connected to its Node server. The
 * server (node-server.ts) always sets it from the socket and drops any value a client sent, so it cannot be
 * forged (unlike `x-forwarded-for`, which Next fills from the socket only when the client sent none). It is
 * the address of the nearest hop: behind a proxy, the proxy's.
 */
export const remoteAddressHeader = "x-parley-remote-address";
