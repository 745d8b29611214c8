/** tRPC called in-process from server components, with the current request's session. */
import "server-only";
import { headers } from "next/headers";
import { appDeps } from "../app-deps";
import { createTrpcContext } from "./init";
import { createCaller } from "./root";

export async function serverCaller() {
  const requestHeaders = await headers();
  return createCaller(await createTrpcContext(await appDeps(), requestHeaders));
}
