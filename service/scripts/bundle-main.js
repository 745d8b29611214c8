// The service process starts from one file. tsc leaves ~200 modules of ours in dist/, and they import
// ~560 more from node_modules (openai, drizzle, zod, protobuf, connect...). Node resolves, reads, links
// and compiles each one on start: ~400 ms of a ~1.06 s cold start on this machine (benchmark row 8;
// docs/benchmarks.md, "Cold start: one file"). esbuild folds them into dist/main.js, in place of tsc's
// entry module, so everything that runs `node dist/main.js` (npm start, the image, the tests) runs it.
// The rest of dist/ stays tsc's module tree: the migrate and admin CLIs, the simulator and the benches
// import from it.
//
// Left outside the bundle, loaded from node_modules as before:
// - @dqbd/tiktoken reads its WebAssembly file from its own folder;
// - OpenTelemetry: the SDK is imported only when tracing is on (adapters/tracing/start-tracing.ts), and
//   it must share one API module, with its global tracer provider and context, with our spans.
// The source map chains tsc's maps, so `--enable-source-maps` stack traces name src/*.ts lines.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../dist/main.js", import.meta.url));

await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  external: ["@dqbd/tiktoken", "@opentelemetry/*"],
  // Bundled CommonJS packages (mysql2, ioredis, undici, prom-client) call require() for Node's own
  // modules and may read __dirname: an ES module has neither, so the bundle defines them first.
  banner: {
    js: [
      'import { createRequire as __parleyCreateRequire } from "node:module";',
      'import { dirname as __parleyDirname } from "node:path";',
      'import { fileURLToPath as __parleyFileURLToPath } from "node:url";',
      "const require = __parleyCreateRequire(import.meta.url);",
      "const __filename = __parleyFileURLToPath(import.meta.url);",
      "const __dirname = __parleyDirname(__filename);",
    ].join("\n"),
  },
  logLevel: "warning",
});
