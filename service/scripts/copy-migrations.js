// tsc compiles only TypeScript: copy drizzle-kit's SQL migrations (and their journal) beside the compiled
// migrator, where it looks for them (dist/adapters/mysql/migrations).
import { cpSync, rmSync } from "node:fs";
import { URL } from "node:url";

const from = new URL("../src/adapters/mysql/migrations/", import.meta.url);
const to = new URL("../dist/adapters/mysql/migrations/", import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
