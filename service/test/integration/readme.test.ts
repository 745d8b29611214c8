// The README's "Talk to it" section, run as written: every `buf curl` and `curl` command, in order, against
// the built service started as `npm start` starts it (with PARLEY_TOKEN exported, as its output says). The
// ids the examples leave as `<chat id>`, `<reply id>` and `<user message id>` come from the first reply's
// output, as a reader would copy them. `grpcurl` is skipped: it is not packaged here. WatchChat streams
// until stopped: it runs for a few seconds and must have printed the chat by then.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const token = "readme-test-token";

/** The shell commands of a README section, continuation lines joined, comments dropped. */
function commandsOf(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
}

const commands = commandsOf(readFileSync(`${repoRoot}README.md`, "utf8"), "## Talk to it");

let database: TestDatabase;
let service: ServiceProcess;
beforeAll(async () => {
  database = await createTestDatabase();
  service = await startServiceProcess({
    env: { DATABASE_URL: database.url, AUTH_TOKEN: token, SIMULATOR_PACE_MS: "0" },
  });
});
afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

it("has the commands this test expects to run", () => {
  expect(commands.filter((command) => command.startsWith("npx buf curl"))).toHaveLength(15);
  expect(commands.filter((command) => command.startsWith("curl "))).toHaveLength(1);
  expect(commands.every((command) => /^(npx buf curl|curl|grpcurl) /.test(command))).toBe(true);
});

// Fifteen `npx buf curl` and one `curl` processes, one after the other: seconds each on a busy machine.
it("runs every command of “Talk to it” successfully, in order", async () => {
  const ids: Partial<Record<"chat" | "reply" | "user message", string>> = {};
  const ran: string[] = [];
  for (const written of commands) {
    if (written.startsWith("grpcurl ")) continue;
    const command = written
      .replaceAll("http://localhost:8080", service.baseUrl)
      .replaceAll("localhost:8080", service.baseUrl.replace("http://", ""))
      .replace(/<(chat|reply|user message) id>/g, (placeholder, kind: string) => {
        const id = ids[kind as keyof typeof ids];
        if (!id) throw new Error(`${placeholder} is used before any output named it: ${written}`);
        return id;
      });
    const watch = written.includes("/WatchChat");
    const { stdout } = await run("bash", ["-c", watch ? `timeout 5 ${command}` : command], {
      cwd: repoRoot,
      env: { ...process.env, PARLEY_TOKEN: token },
      timeout: 60_000,
    }).catch((error: { code?: number; stdout?: string; stderr?: string; message: string }) => {
      // `timeout` ends the watch with 124: what it printed until then is its output.
      if (watch && error.code === 124) return { stdout: error.stdout ?? "" };
      throw new Error(`README command failed: ${written}\n${error.stderr ?? error.message}`);
    });
    if (watch) expect(stdout).toMatch(/"chat":\s*\{\s*"id":\s*"/);
    const named = (kind: string) => new RegExp(`"${kind}Id":\\s*"([^"]+)"`).exec(stdout)?.[1];
    ids.chat ??= named("chat");
    ids.reply ??= named("reply");
    ids["user message"] ??= named("userMessage");
    if (written.startsWith("curl ")) expect(JSON.parse(stdout)).toMatchObject({ user_id: "bob" });
    if (written.includes("--list-services")) expect(stdout).toContain("parley.chat.v1.ChatService");
    ran.push(written.split(" ").find((word) => word.includes("/") && !word.startsWith("-")) ?? written);
  }
  expect(ran).toHaveLength(16);
  expect(ids.chat).toMatch(/^[0-9a-f-]{36}$/);
}, 90_000);
