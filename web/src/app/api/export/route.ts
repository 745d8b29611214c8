import { appDeps } from "~/server/app-deps";
import { handleExport } from "~/server/transfer/transfer-handlers";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return handleExport(await appDeps(), request);
}
