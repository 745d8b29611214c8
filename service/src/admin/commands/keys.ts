/**
 * `keys create <user> [--name N] [--expires-days D]`, `keys list <user>`, `keys revoke <user> <key-id>`:
 * personal API keys for a user, through the same use cases as ApiKeyService. A revoked key is refused
 * by running services within API_KEY_CACHE_MS.
 */
import { createMysqlApiKeyStore } from "../../adapters/mysql/mysql-api-key-store.js";
import { ApiKeyUseCases } from "../../application/keys/api-key-use-cases.js";
import { apiKeyState, type ApiKey } from "../../domain/api-key.js";
import { UsageError, type AdminCommand, type AdminContext } from "../admin-command.js";
import { exactly, parse } from "../arguments.js";

const dayMs = 24 * 60 * 60 * 1000;

export const keysCommand: AdminCommand = {
  name: "keys",
  usage: [
    "keys create <user> [--name N] [--expires-days D]   mint a key (printed once)",
    "keys list <user>                                  a user's keys (never the secrets)",
    "keys revoke <user> <key-id>                       revoke a key",
  ],
  async run(args, context) {
    const [subcommand, ...rest] = args;
    const keys = new ApiKeyUseCases({
      store: createMysqlApiKeyStore(context.database.db),
      clock: context.clock,
      newId: context.newId,
    });
    if (subcommand === "create") return create(keys, rest, context);
    if (subcommand === "list") return list(keys, rest, context);
    if (subcommand === "revoke") return revoke(keys, rest, context);
    throw new UsageError(subcommand ? `unknown keys subcommand "${subcommand}"` : "missing keys subcommand");
  },
};

async function create(keys: ApiKeyUseCases, args: string[], context: AdminContext) {
  const { values, positionals } = parse(args, {
    name: { type: "string", default: "admin" },
    "expires-days": { type: "string" },
  });
  const [userId] = exactly(positionals, 1, "keys create <user>");
  const days = values["expires-days"];
  let expiresAt: Date | undefined;
  if (days !== undefined) {
    if (!/^\d+$/.test(days) || Number(days) < 1)
      throw new UsageError("--expires-days must be a whole number ≥ 1");
    expiresAt = new Date(context.clock.now().getTime() + Number(days) * dayMs);
  }
  const created = await keys.createApiKey({ userId, name: values["name"] ?? "admin", expiresAt });
  context.print(created.key);
  context.print(`# ${describe(created.apiKey, context.clock.now())}`);
  context.print("# Shown once: only its hash is stored.");
}

async function list(keys: ApiKeyUseCases, args: string[], context: AdminContext) {
  const [userId] = exactly(parse(args, {}).positionals, 1, "keys list <user>");
  const all = await keys.listApiKeys({ userId });
  if (all.length === 0) context.print(`no keys for ${userId}`);
  const now = context.clock.now();
  for (const key of all) context.print(describe(key, now));
}

async function revoke(keys: ApiKeyUseCases, args: string[], context: AdminContext) {
  const [userId, keyId] = exactly(parse(args, {}).positionals, 2, "keys revoke <user> <key-id>");
  const revoked = await keys.revokeApiKey({ userId, keyId });
  context.print(describe(revoked, context.clock.now()));
  context.print(
    `# Running services refuse it within API_KEY_CACHE_MS (${context.config.apiKeyCacheMs} ms here).`,
  );
}

/** One line per key: id, prefix, state, name, dates (ISO, UTC). */
function describe(key: ApiKey, now: Date): string {
  const iso = (date: Date | null) => date?.toISOString() ?? "-";
  return [
    key.id,
    key.prefix,
    apiKeyState(key, now),
    JSON.stringify(key.name),
    `created=${iso(key.createdAt)}`,
    `expires=${iso(key.expiresAt)}`,
    `revoked=${iso(key.revokedAt)}`,
    `last-used=${iso(key.lastUsedAt)}`,
  ].join("  ");
}
