/**
 * `POST /chat`: the original service's blocking JSON endpoint. `{chat_id?, user_id, user_message}` in,
 * `{chat_id, user_id, content}` out once the answer is complete. Same token as the RPCs.
 */
import { z } from "zod";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { Logger } from "../../application/ports.js";
import { readWholeReply } from "../../application/replies/reply-text.js";
import { httpError, httpStatusOf, toHttpError } from "./http-errors.js";
import { readBody, sendError, sendJson, type HttpRequest, type HttpResponse } from "./http-io.js";

const requestSchema = z.object({
  chat_id: z.string().optional().nullable(),
  user_id: z.string(),
  user_message: z.string(),
});

export interface ChatEndpointDeps {
  useCases: ChatUseCases;
  logger: Logger;
  checkToken: (header: string | undefined) => boolean;
  maxRequestBytes: number;
}

export function createChatEndpoint(deps: ChatEndpointDeps) {
  return async (request: HttpRequest, response: HttpResponse): Promise<void> => {
    if (request.method !== "POST")
      return sendError(response, httpError(405, "method.not_allowed", "use POST"));
    if (!deps.checkToken(request.headers.authorization)) {
      return sendError(response, httpError(401, "unauthenticated", "missing or wrong token"));
    }
    const body = await readBody(request, deps.maxRequestBytes);
    if (!Buffer.isBuffer(body)) return sendError(response, body);
    const parsed = requestSchema.safeParse(parseJson(body));
    if (!parsed.success) {
      return sendError(
        response,
        httpError(
          400,
          "argument.invalid",
          "expected JSON {chat_id?: string, user_id: string, user_message: string}",
        ),
      );
    }
    const abandoned = new AbortController();
    response.on("close", () => abandoned.abort());
    try {
      const events = await deps.useCases.sendMessage({
        chatId: parsed.data.chat_id ?? undefined,
        userId: parsed.data.user_id,
        text: parsed.data.user_message,
        signal: abandoned.signal,
      });
      const { started, text, finished } = await readWholeReply(events);
      if (finished?.errorCode) {
        const status = httpStatusOf(finished.errorCode);
        return sendJson(response, status, {
          error: { code: finished.errorCode, message: finished.error ?? "" },
        });
      }
      sendJson(response, 200, {
        chat_id: started?.chatId ?? "",
        user_id: parsed.data.user_id,
        content: text,
      });
    } catch (error) {
      if (!abandoned.signal.aborted) sendError(response, toHttpError(error, deps.logger));
    }
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}
