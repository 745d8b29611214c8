import { toNextJsHandler } from "better-auth/next-js";
import { appDeps } from "~/server/app-deps";

export const dynamic = "force-dynamic";

export const { GET, POST } = toNextJsHandler(async (request) => (await appDeps()).authHandler(request));
