#!/usr/bin/env node
/**
 * `npm start`: builds everything once (turbo, cached), then runs the chat service and the web app side by
 * side with their logs interleaved, and prints the address to open. Ctrl+C (or SIGTERM) stops both.
 *
 * Settings come from the environment or the root .env (see .env.example); what is shared with
 * `npm run replicas` (tokens, the build, the processes) is in lib/parley-processes.mjs.
 */
import { buildAll, createSupervisor, parleySettings } from "./lib/parley-processes.mjs";

const servicePort = process.env.PORT || "8080";
const webPort = process.env.WEB_PORT || "3000";
const { env, notes } = parleySettings({
  serviceUrl: `http://127.0.0.1:${servicePort}`,
  webUrl: `http://localhost:${webPort}`,
});

buildAll(env);
const processes = createSupervisor();
await processes.service("service", { ...env, PORT: servicePort });
await processes.web("web", { ...env, PORT: webPort });

const url = env.BETTER_AUTH_URL;
console.log(`\n  Parley is running.${notes.map((note) => `\n  ${note}`).join("")}\n\n  Open ${url}\n`);
