// Lint rules, including the architecture: dependencies point inward (domain ← application ← adapters ←
// main), and each technology is imported by exactly one adapter folder.
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/** Each technology and the only service folders allowed to import it. */
const technologies = [
  { packages: "^openai(/|$)", owners: ["adapters/openai"], what: "the OpenAI SDK" },
  { packages: "^@dqbd/tiktoken(/|$)", owners: ["adapters/tiktoken"], what: "the tokenizer" },
  {
    packages: "^(drizzle-orm|mysql2)(/|$)",
    owners: ["adapters/mysql"],
    what: "Drizzle and mysql2",
  },
  {
    packages: "^(@parley/gen|@bufbuild/)",
    owners: ["adapters/connect"],
    what: "generated code and protobuf",
  },
  { packages: "^twilio(/|$)", owners: [], what: "the twilio package (a test-only cross-check)" },
  { packages: "^@connectrpc/", owners: ["adapters/connect", "adapters/http"], what: "Connect" },
  { packages: "^ioredis(/|$)", owners: ["adapters/redis"], what: "the Redis client" },
  { packages: "^prom-client(/|$)", owners: ["adapters/metrics"], what: "prom-client" },
  {
    packages: "^@opentelemetry/(?!api$)",
    owners: ["adapters/tracing"],
    what: "the OpenTelemetry SDK (loaded only when tracing is on)",
  },
  {
    packages: "^@opentelemetry/api$",
    owners: ["adapters/tracing", "adapters/connect"],
    what: "the OpenTelemetry API",
  },
];

const restrictionsFor = (folder) =>
  technologies
    .filter((technology) => !technology.owners.includes(folder))
    .map((technology) => ({
      regex: technology.packages,
      message: `Only service/src/{${technology.owners.join(",")}} may import ${technology.what}.`,
    }));

const restrict = (files, folder, extra = []) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns: [...restrictionsFor(folder), ...extra] }] },
});

const adapterFolders = [...new Set(technologies.flatMap((technology) => technology.owners))];

/**
 * The web app's browser code (client components, the tRPC client, shared types) never sees protobuf,
 * Connect, the database, better-auth's server, or server modules; type-only imports of the router's
 * type are fine (they vanish at build time).
 */
const webClientCode = [
  "web/src/components/**/*.{ts,tsx}",
  "web/src/lib/**/*.{ts,tsx}",
  "web/src/trpc/**/*.{ts,tsx}",
  "web/src/app/**/_components/**/*.{ts,tsx}",
  "web/src/app/**/error.tsx",
  "web/src/app/error.tsx",
  "web/src/app/providers.tsx",
];
const webClientRestrictions = [
  {
    regex: "^(@parley/gen|@bufbuild/|@connectrpc/|mysql2|kysely)(/|$)",
    message: "Browser code never sees protobuf, Connect or the database: go through tRPC.",
  },
  {
    regex: "^better-auth(/(?!react$|client$).*)?$",
    message: "Browser code uses better-auth/react (lib/auth-client.ts) only.",
  },
  { regex: "^(server-only|next/headers)$", message: "Server-only modules cannot run in the browser." },
  {
    regex: "^~/(server|env)(/|$)",
    allowTypeImports: true,
    message: "Browser code may import server types only (import type ...).",
  },
];

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "**/dist/",
      "gen/",
      "**/.next/",
      "**/migrations/",
      "**/test-results/",
      "web/next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain JavaScript files here are Node scripts (start script, configs, benchmarks).
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: {
      globals: Object.fromEntries(
        [
          ...["process", "console", "Buffer", "URL", "fetch", "performance", "structuredClone"],
          ...["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "queueMicrotask"],
          ...["AbortController", "AbortSignal", "TextEncoder", "TextDecoder"],
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Anywhere in the service: technologies only in their adapter.
  restrict(["service/src/**/*.ts"], "elsewhere"),
  ...adapterFolders.map((folder) => restrict([`service/src/${folder}/**/*.ts`], folder)),
  restrict(["service/src/domain/**/*.ts"], "domain", [
    {
      group: ["../application/*", "../adapters/*", "../*.js", "../../*", "node:*"],
      message: "The domain is pure: it imports nothing outside itself.",
    },
  ]),
  restrict(["service/src/application/**/*.ts"], "application", [
    {
      // Use cases live one folder deeper (application/chats/...) than the layer's shared ports.
      group: ["../", "../../"].flatMap((up) =>
        ["adapters/*", "simulator/*", "config*", "main*", "app*"].map((path) => up + path),
      ),
      message: "The application layer sees ports, never adapters.",
    },
  ]),
  // The web app: React's hook rules, Next's own rules, and the browser/server boundary.
  {
    files: ["web/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    settings: { next: { rootDir: "web/" } },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
    },
  },
  {
    files: webClientCode,
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: webClientRestrictions }] },
  },
  // The web app's one Redis connection lives in one module; everything else asks it.
  {
    files: ["web/src/**/*.{ts,tsx}"],
    ignores: ["web/src/server/redis/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^ioredis(/|$)", message: "Only web/src/server/redis may import ioredis." }] },
      ],
    },
  },
);
