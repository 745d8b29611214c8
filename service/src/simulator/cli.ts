/**
 * Runs the simulator on its own, for trying clients by hand:
 *   PORT=8787 npx tsx src/simulator/cli.ts
 * then point any OpenAI client at the printed URL (any API key works).
 * A manual tool, not the service: that is why it reads PORT/HOST itself rather than through config.ts.
 */
import { createSimulator } from "./simulator.js";

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? "127.0.0.1";
const paceMs = process.env.PACE_MS === undefined ? undefined : Number(process.env.PACE_MS);

const simulator = createSimulator({ paceMs });
const url = await simulator.listen(port, host);
console.log(`OpenAI-compatible simulator listening at ${url}`);
console.log(`try: OPENAI_BASE_URL=${url} OPENAI_API_KEY=sk-anything, or`);
console.log(
  `  curl -N ${url}/chat/completions -H 'content-type: application/json' -d '{"model":"parley-simulator","stream":true,"messages":[{"role":"user","content":"hello"}]}'`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
