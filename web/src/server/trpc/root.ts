/** The BFF's whole API, and the type the browser's client is built from (a type only: no server code). */
import "server-only";
import { chatRouter } from "./routers/chat";
import { keysRouter } from "./routers/keys";
import { modelsRouter } from "./routers/models";
import { usageRouter } from "./routers/usage";
import { searchRouter } from "./routers/search";
import { presetsRouter } from "./routers/presets";
import { createCallerFactory, createRouter } from "./init";

export const appRouter = createRouter({
  chat: chatRouter,
  keys: keysRouter,
  usage: usageRouter,
  models: modelsRouter,
  search: searchRouter,
  presets: presetsRouter,
});

export type AppRouter = typeof appRouter;

/** In-process calls (server components, tests): `createCaller(context).chat.list()`. */
export const createCaller = createCallerFactory(appRouter);
