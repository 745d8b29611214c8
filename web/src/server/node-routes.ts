/**
 * Routes the web app's Node server answers itself, before Next: a path prefix and a Node request handler.
 * Next's start-up hook (instrumentation.ts) registers them, because their code lives in Next's build
 * (path aliases, `server-only`); the Node server (server.ts, built by tsc) looks them up here. Kept on
 * `globalThis`: the two load this module separately and must share the one table.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type NodeRouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

const holder = globalThis as typeof globalThis & {
  parleyNodeRoutes?: Map<string, NodeRouteHandler>;
};
const routes = (holder.parleyNodeRoutes ??= new Map());

/** Serves `prefix` (the path itself, or anything below it) with `handler` from now on. */
export function registerNodeRoute(prefix: string, handler: NodeRouteHandler): void {
  routes.set(prefix, handler);
}

/** The handler registered for the request's path, or undefined (Next serves it). */
export function nodeRouteFor(url: string | undefined): NodeRouteHandler | undefined {
  if (!url || routes.size === 0) return undefined;
  const end = url.search(/[?#]/);
  const path = end < 0 ? url : url.slice(0, end);
  for (const [prefix, handler] of routes) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return handler;
  }
  return undefined;
}
