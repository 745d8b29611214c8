import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Router tests run server modules outside Next: `~` as in tsconfig, and `server-only` as a no-op. Files run
// one at a time: each starts its own service, and the browser tests their own Next server, on 2 cores.
export default defineConfig({
  resolve: {
    alias: {
      "~": here("./src"),
      "server-only": here("./test/support/server-only-stub.ts"),
    },
  },
  test: {
    include: ["src/**/*.test.{ts,tsx}", "test/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
