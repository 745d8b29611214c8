import { appDeps } from "~/server/app-deps";
import { createTrpcHandler } from "~/server/trpc/http-handler";

export const dynamic = "force-dynamic";

let handler: ((request: Request) => Promise<Response>) | undefined;

async function handle(request: Request): Promise<Response> {
  handler ??= createTrpcHandler(await appDeps());
  return handler(request);
}

export { handle as GET, handle as POST };
