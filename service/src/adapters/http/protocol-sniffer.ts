/**
 * Picks a cleartext connection's protocol from its first bytes, as connect-go services do with h2c: the
 * HTTP/2 connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`) means HTTP/2, anything else HTTP/1.1.
 * It waits until the bytes decide — a lone `P` could start either `PRI` or `POST` — and gives the bytes
 * back to the socket before handing it on. The caller bounds the wait (the first-request deadline).
 */
import type { Socket } from "node:net";

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type Protocol = "http2" | "http1";

export function sniffProtocol(socket: Socket, decided: (protocol: Protocol) => void): void {
  let head = Buffer.alloc(0);
  const onReadable = () => {
    for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
      head = Buffer.concat([head, chunk]);
    }
    const compared = Math.min(head.length, http2Preface.length);
    const likePreface = head.subarray(0, compared).equals(http2Preface.subarray(0, compared));
    if (head.length === 0 || (likePreface && head.length < http2Preface.length)) return;
    socket.off("readable", onReadable);
    socket.unshift(head);
    decided(likePreface ? "http2" : "http1");
  };
  socket.on("readable", onReadable);
}
