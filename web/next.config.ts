import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";
import { securityHeaders } from "./src/lib/security-headers";

// The monorepo root: traced dependencies (the `@parley/gen` workspace, hoisted node_modules) live there.
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

const config: NextConfig = {
  // The Docker image runs web/server.ts on the self-contained build (NEXT_OUTPUT=standalone); elsewhere
  // the same server runs on the ordinary build.
  ...(process.env["NEXT_OUTPUT"] === "standalone" ? { output: "standalone" as const } : {}),
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  poweredByHeader: false,
  reactStrictMode: true,
  // Node-only packages loaded at run time rather than bundled.
  serverExternalPackages: [
    "mysql2",
    "kysely",
    "@connectrpc/connect-node",
    "ioredis",
    "prom-client",
    "@opentelemetry/api",
  ],
  async headers() {
    return [{ source: "/:path*", headers: [...securityHeaders] }];
  },
};

export default config;
