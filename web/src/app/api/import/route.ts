import { appDeps } from "~/server/app-deps";
import { handleImport } from "~/server/transfer/transfer-handlers";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  return handleImport(await appDeps(), request);
}
