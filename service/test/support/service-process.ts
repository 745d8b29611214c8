/**
 * Runs the built service (`dist/main.js`) as a real process, as `npm start` does, for tests of start-up,
 * signals and crash recovery. It answers with its built-in simulator (no OPENAI_API_KEY).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const mainScript = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  logs: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [mainScript], {
    env: { PATH: process.env["PATH"] ?? "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${logs.join("")}`)), 15_000);
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString());
      const match = /"port":(\d+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
    void exited.then((code) => reject(new Error(`service exited with ${code}:\n${logs.join("")}`)));
  });
  return { child, port, baseUrl: `http://127.0.0.1:${port}`, logs, exited };
}
