// `node --import` this file to have the process print every OpenTelemetry module it resolves through
// ESM (a line `otel-load <url>` on stderr): the tracing-off test checks that the SDK never is.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        if (resolved.url.includes("/@opentelemetry/")) process.stderr.write("otel-load " + resolved.url + "\\n");
        return resolved;
      }
    `),
);
