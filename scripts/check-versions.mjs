#!/usr/bin/env node
/**
 * Runs before `npm start` and `npm test`: stops early, with one clear line, on a Node or npm that
 * Parley's pinned packages do not work with (see README, "Quick start").
 */
const [major, minor] = process.versions.node.split(".").map(Number);
const npm = /\bnpm\/(\d+)\./.exec(process.env.npm_config_user_agent ?? "")?.[1];

const problems = [];
if (major < 20 || (major === 20 && minor < 19))
  problems.push(`Node ${process.versions.node} found; Parley needs Node 20.19 or later (see .nvmrc)`);
if (npm !== undefined && Number(npm) < 11)
  problems.push(`npm ${npm} found; Parley needs npm 11 (Node 20 ships npm 10): run \`npm i -g npm@11\``);
if (problems.length > 0) {
  console.error(`Parley cannot run here: ${problems.join("; ")}.`);
  process.exit(1);
}
