// Lint rules, including the architecture: dependencies point inward (domain ← application ← adapters ← main).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Packages that only an adapter may import: the technologies behind the ports. */
const adapterOnlyPackages = [
  { name: "openai", message: "Only service/src/adapters/openai may import the OpenAI SDK." },
  { name: "@dqbd/tiktoken", message: "Only service/src/adapters/tiktoken may import the tokenizer." },
  { name: "drizzle-orm", message: "Only service/src/adapters/mysql may import Drizzle." },
  { name: "mysql2", message: "Only service/src/adapters/mysql may import mysql2." },
];
const adapterOnlyPatterns = [
  { group: ["@parley/gen", "@parley/gen/*"], message: "Only the RPC adapter may import generated code." },
  { group: ["@connectrpc/*", "@bufbuild/*"], message: "Only the RPC adapter knows Connect and protobuf." },
  { group: ["drizzle-orm/*", "openai/*", "@dqbd/tiktoken/*"], message: "Technologies live in adapters." },
];

export default tseslint.config(
  { ignores: ["**/node_modules/", "**/dist/", "gen/", "**/.next/", "**/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["service/src/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: adapterOnlyPackages,
          patterns: [
            ...adapterOnlyPatterns,
            {
              group: ["../application/*", "../adapters/*", "../../*", "node:*"],
              message: "The domain is pure: it imports nothing outside itself.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["service/src/application/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: adapterOnlyPackages,
          patterns: [
            ...adapterOnlyPatterns,
            {
              group: ["../adapters/*", "../config*", "../main*"],
              message: "The application layer sees ports, never adapters.",
            },
          ],
        },
      ],
    },
  },
);
