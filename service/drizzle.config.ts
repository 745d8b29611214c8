// drizzle-kit settings: `npm run db:generate` turns schema changes into a committed SQL migration.
// Only `generate` is used; `push`/`pull` misbehave on MariaDB, and the service applies migrations itself.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "mysql",
  schema: "./src/adapters/mysql/schema.ts",
  out: "./src/adapters/mysql/migrations",
});
