import { toNextJsHandler } from "better-auth/next-js";
import { appDeps } from "~/server/app-deps";
import { createAuthHandler } from "~/server/auth/auth-handler";

export const dynamic = "force-dynamic";

let handler: ((request: Request) => Promise<Response>) | undefined;

export const { GET, POST } = toNextJsHandler(async (request) => {
  if (!handler) {
    const deps = await appDeps();
    handler = createAuthHandler(deps.auth, { allowedOrigins: deps.allowedOrigins, signIn: deps.signIn });
  }
  return handler(request);
});
