// Lint rules, including the architecture: dependencies point inward (domain ← application ← adapters ←
// main), and each technology is imported by exactly one adapter folder.
import js from "@eslint/js";
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
  { packages: "^@connectrpc/", owners: ["adapters/connect", "adapters/http"], what: "Connect" },
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

export default tseslint.config(
  { ignores: ["**/node_modules/", "**/dist/", "gen/", "**/.next/", "**/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
      group: ["../adapters/*", "../config*", "../main*", "../app*", "../simulator/*"],
      message: "The application layer sees ports, never adapters.",
    },
  ]),
);
