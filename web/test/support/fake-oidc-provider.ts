/**
 * A minimal OpenID Connect provider on 127.0.0.1 (discovery, token, userinfo), shaped like Keycloak's
 * endpoints, for testing the OIDC sign-in without a real identity provider. It hands out one code.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOidcProvider {
  issuer: string;
  /** Token requests received (form fields), to check PKCE and the client's credentials. */
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

export async function startFakeOidcProvider(user: { sub: string; email: string; name: string }) {
  const tokenRequests: URLSearchParams[] = [];
  let issuer = "";
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === "/realms/test/.well-known/openid-configuration") {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
        token_endpoint: `${issuer}/protocol/openid-connect/token`,
        userinfo_endpoint: `${issuer}/protocol/openid-connect/userinfo`,
        jwks_uri: `${issuer}/protocol/openid-connect/certs`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      });
    }
    if (url.pathname === "/realms/test/protocol/openid-connect/token" && request.method === "POST") {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const form = new URLSearchParams(body);
        if (request.headers.authorization) form.set("authorization", request.headers.authorization);
        tokenRequests.push(form);
        if (form.get("code") !== "the-code") return json(400, { error: "invalid_grant" });
        json(200, { access_token: "the-access-token", token_type: "Bearer", expires_in: 300 });
      });
      return;
    }
    if (url.pathname === "/realms/test/protocol/openid-connect/userinfo") {
      if (request.headers.authorization !== "Bearer the-access-token")
        return json(401, { error: "invalid_token" });
      return json(200, { ...user, email_verified: true, preferred_username: user.name });
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/test`;
  return {
    issuer,
    tokenRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies FakeOidcProvider;
}
