import { defineConfig } from "vitest/config";

// Integration tests share one MariaDB and two cores: run files two at a time, each with its own database.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
