/**
 * The BFF's download and upload of chats: `GET /api/export` streams the service's export to the browser
 * as a file, `POST /api/import` streams the uploaded file to the service. Both act for the session's
 * user only (the service token stays here), refuse cross-site requests, and map the service's errors
 * once, with toTRPCError's words and codes.
 */
import "server-only";
import { ConnectError } from "@connectrpc/connect";
import { ExportFormat, ImportOutcome } from "@parley/gen/parley/transfer/v1/transfer_pb";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { Auth } from "../auth/create-auth";
import type { Logger } from "../logger";
import { isCrossSiteRequest } from "../request-origin";
import { serviceUserId } from "../service/chat-service-client";
import type { TransferServiceClient } from "../service/transfer-service-client";
import { ServiceRefusal, toTRPCError } from "../trpc/connect-errors";
import type { ImportResult } from "~/lib/transfer-types";

export interface TransferHandlerDeps {
  auth: Auth;
  transfer: TransferServiceClient;
  log: Logger;
  allowedOrigins: readonly string[];
}

const formats: Record<string, ExportFormat> = { json: ExportFormat.JSON, markdown: ExportFormat.MARKDOWN };
/** Bytes per request message sent to the service (well under its MAX_REQUEST_BYTES). */
const uploadChunkBytes = 64 * 1024;

const failure = (status: number, message: string, reason: string | null = null) =>
  Response.json({ error: { message, reason } }, { status, headers: { "cache-control": "no-store" } });

/** The session's service user id, or a refusal to send. */
async function actingUser(deps: TransferHandlerDeps, request: Request): Promise<string | Response> {
  if (isCrossSiteRequest(request.headers, deps.allowedOrigins))
    return failure(403, "Cross-site requests are not allowed.");
  const session = await deps.auth.api.getSession({ headers: request.headers });
  if (!session) return failure(401, "Please sign in to continue.");
  return serviceUserId(session.user.id);
}

function serviceFailure(error: unknown, deps: TransferHandlerDeps, operation: string): Response {
  const mapped = toTRPCError(error, deps.log, operation);
  const reason = mapped.cause instanceof ServiceRefusal ? mapped.cause.reason : null;
  // A malformed file: the service's sentence as it is, since it starts with the path in the file.
  const message = reason === "import.invalid" ? ConnectError.from(error).rawMessage : mapped.message;
  return failure(getHTTPStatusCodeFromError(mapped), message, reason);
}

/** `GET /api/export?format=json|markdown[&chatId=…]`: the file, streamed as the service makes it. */
export async function handleExport(deps: TransferHandlerDeps, request: Request): Promise<Response> {
  const userId = await actingUser(deps, request);
  if (userId instanceof Response) return userId;
  const params = new URL(request.url).searchParams;
  const format = formats[params.get("format") ?? ""];
  if (format === undefined) return failure(400, "Choose a format: json or markdown.");
  const stream = deps.transfer.exportChats(
    { userId, chatId: params.get("chatId") ?? "", format },
    { signal: request.signal },
  );
  const chunks = stream[Symbol.asyncIterator]();
  // The first chunk before the response starts: a refusal (not found, unavailable) is a status, not a
  // broken download.
  let first: IteratorResult<{ data: Uint8Array; contentType: string; fileName: string }>;
  try {
    first = await chunks.next();
  } catch (error) {
    return serviceFailure(error, deps, "Export");
  }
  if (first.done) return failure(502, "The export came back empty.");
  const { contentType, fileName } = first.value;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first.value.data);
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value.data);
      } catch (error) {
        deps.log.warn("an export broke off", { error: String(error) });
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": contentType,
      "content-disposition": `attachment; filename="${fileName.replace(/[^\w.-]/g, "_")}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

/** `POST /api/import` with the file as the body: what the service imported. */
export async function handleImport(deps: TransferHandlerDeps, request: Request): Promise<Response> {
  const userId = await actingUser(deps, request);
  if (userId instanceof Response) return userId;
  if (!request.body) return failure(400, "Choose a file to import.");
  try {
    const response = await deps.transfer.importChats(uploadChunks(userId, request.body), {
      signal: request.signal,
    });
    const result: ImportResult = {
      sourceFormat: response.sourceFormat,
      importedChats: response.importedChats,
      importedMessages: response.importedMessages,
      chats: response.chats.map((chat) => ({
        title: chat.title,
        chatId: chat.chatId || null,
        outcome:
          chat.outcome === ImportOutcome.IMPORTED
            ? "imported"
            : chat.outcome === ImportOutcome.ALREADY_IMPORTED
              ? "already_imported"
              : "skipped_empty",
        messageCount: chat.messageCount,
        skippedMessages: chat.skippedMessages,
      })),
    };
    return Response.json(result, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return serviceFailure(error, deps, "Import");
  }
}

/** The body in request-sized pieces; the first names the user. The service bounds the total. */
async function* uploadChunks(userId: string, body: ReadableStream<Uint8Array>) {
  let first = true;
  for await (const piece of body as unknown as AsyncIterable<Uint8Array>) {
    for (let start = 0; start < piece.length; start += uploadChunkBytes) {
      yield { userId: first ? userId : "", data: piece.subarray(start, start + uploadChunkBytes) };
      first = false;
    }
  }
  if (first) yield { userId, data: new Uint8Array(0) };
}
