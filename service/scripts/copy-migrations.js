// tsc compiles only TypeScript: copy drizzle-kit's SQL migrations (and their journal) to where the
// migrator looks for them, beside the module that holds `migrationsFolder`:
// - dist/adapters/mysql/migrations for tsc's module tree (the migrate and admin CLIs);
// - dist/migrations for the bundled service, dist/main.js (scripts/bundle-main.js).
import { cpSync, rmSync } from "node:fs";
import { URL } from "node:url";

const from = new URL("../src/adapters/mysql/migrations/", import.meta.url);
for (const to of ["../dist/adapters/mysql/migrations/", "../dist/migrations/"]) {
  const folder = new URL(to, import.meta.url);
  rmSync(folder, { recursive: true, force: true });
  cpSync(from, folder, { recursive: true });
}
