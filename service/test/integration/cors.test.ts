import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley(); // allows https://app.example
});
afterAll(() => harness?.stop());

const listChats = () => `${harness.baseUrl}/parley.chat.v1.ChatService/ListChats`;

describe("CORS for browser Connect and gRPC-Web clients", () => {
  it("answers a preflight from a configured origin with the Connect headers", async () => {
    const response = await fetch(listChats(), {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,connect-protocol-version,authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = response.headers.get("access-control-allow-headers")!.toLowerCase();
    for (const header of ["content-type", "connect-protocol-version", "authorization", "x-grpc-web"]) {
      expect(allowed).toContain(header);
    }
  });

  it("lets a configured origin read responses, and gives other origins nothing", async () => {
    const call = (origin: string) =>
      fetch(listChats(), {
        method: "POST",
        headers: { origin, "content-type": "application/json", authorization: `Bearer ${testToken}` },
        body: JSON.stringify({ userId: "cors" }),
      });
    const allowed = await call("https://app.example");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-expose-headers")).toBeTruthy();

    const foreign = await call("https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(listChats(), {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
