/** The signed-in user for server components and route handlers (null when signed out). */
import "server-only";
import { headers } from "next/headers";
import { appDeps } from "./app-deps";

export async function currentSession() {
  // Reading the request first also marks the page as dynamic (never prerendered at build time).
  const requestHeaders = await headers();
  const { auth } = await appDeps();
  return auth.api.getSession({ headers: requestHeaders });
}
