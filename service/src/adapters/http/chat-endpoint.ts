/**
 * `POST /chat`: the original service's blocking JSON endpoint. `{chat_id?, user_id, user_message}` in,
 * `{chat_id, user_id, content}` out once the answer is complete. Same credentials as the RPCs: the service
 * token names `user_id`; a personal API key acts as its user (`user_id` may be omitted; another user's
 * is 403 `key.user_mismatch`).
 */
import { z } from "zod";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import { actingUserId } from "../../application/keys/caller.js";
import type { Logger } from "../../application/ports.js";
import { readWholeReply } from "../../application/replies/reply-text.js";
import type { Authenticate } from "../connect/auth-interceptor.js";
import { httpError, httpStatusOf, toHttpError } from "./http-errors.js";
import { readBody, sendError, sendJson, type HttpRequest, type HttpResponse } from "./http-io.js";

const requestSchema = z.object({
  chat_id: z.string().optional().nullable(),
  user_id: z.string().optional(),
  user_message: z.string(),
});

export interface ChatEndpointDeps {
  useCases: ChatUseCases;
  logger: Logger;
  authenticate: Authenticate;
  maxRequestBytes: number;
}

export function createChatEndpoint(deps: ChatEndpointDeps) {
  return async (request: HttpRequest, response: HttpResponse): Promise<void> => {
    if (request.method !== "POST")
      return sendError(response, httpError(405, "method.not_allowed", "use POST"));
    const auth = await deps.authenticate(request.headers.authorization);
    if (!auth.ok) return sendError(response, httpError(401, "unauthenticated", auth.message));
    const body = await readBody(request, deps.maxRequestBytes);
    if (!Buffer.isBuffer(body)) return sendError(response, body);
    const parsed = requestSchema.safeParse(parseJson(body));
    // Only a personal key may leave user_id out (it means the key's user).
    if (!parsed.success || (parsed.data.user_id === undefined && auth.caller.kind === "service")) {
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
      const userId = actingUserId(auth.caller, parsed.data.user_id ?? "");
      const events = await deps.useCases.sendMessage({
        chatId: parsed.data.chat_id ?? undefined,
        userId,
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
        user_id: userId,
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
