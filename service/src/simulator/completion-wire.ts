/**
 * The shapes OpenAI's chat-completions endpoint puts on the wire, built as plain objects. Kept apart from
 * the server so the byte format can be read (and compared with the API reference) in one place.
 */

/** What every chunk and completion of one response shares. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

/** Usage as OpenAI reports it, with the detail objects its clients expect to find. */
export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number };
}

const fingerprint = "fp_parley_sim";

export function wireUsage(promptTokens: number, completionTokens: number): WireUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

/**
 * One `chat.completion.chunk`. With `include_usage` OpenAI sends `usage: null` on every chunk but the
 * last, so the field is present exactly when usage was asked for.
 */
export function chunk(
  identity: CompletionIdentity,
  delta: Record<string, unknown>,
  finishReason: string | null,
  includeUsage: boolean,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    system_fingerprint: fingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/**
 * The closing usage chunk: `choices: []` as OpenAI sends it, or `choices: null` as vLLM does, which is
 * what clients that index `choices[0]` blindly trip over.
 */
export function usageChunk(
  identity: CompletionIdentity,
  usage: WireUsage,
  choices: "empty" | "null",
): Record<string, unknown> {
  return {
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    system_fingerprint: fingerprint,
    choices: choices === "empty" ? [] : null,
    usage,
  };
}

/** A whole non-streaming `chat.completion`. */
export function completion(
  identity: CompletionIdentity,
  content: string,
  finishReason: string,
  usage: WireUsage,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    system_fingerprint: fingerprint,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage,
  };
}

/** OpenAI's error envelope. */
export interface WireError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * The error body OpenAI sends for a status (and an optional error code), close to the real texts so
 * clients that parse them behave as in production. The 401 echoes the key it was sent, as OpenAI does
 * (masked there, whole here), so tests can prove the key never reaches a user.
 */
export function errorBody(status: number, code: string | undefined, apiKey: string | undefined): WireError {
  const error = (message: string, type: string, errorCode: string | null = code ?? null, param = null) => ({
    error: { message, type, param, code: errorCode },
  });
  if (code === "context_length_exceeded") {
    return {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
        type: "invalid_request_error",
        param: "messages",
        code,
      },
    };
  }
  switch (status) {
    case 400:
      return error("Invalid request (simulated).", "invalid_request_error");
    case 401:
      return error(
        `Incorrect API key provided: ${apiKey ?? "(none)"}.`,
        "invalid_request_error",
        "invalid_api_key",
      );
    case 403:
      return error("You are not allowed to access this project (simulated).", "invalid_request_error");
    case 404:
      return error(
        "The model does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
      );
    case 429:
      return error("Rate limit reached for requests (simulated).", "requests", code ?? "rate_limit_exceeded");
    default:
      return status >= 500
        ? error(
            "The server had an error while processing your request. Sorry about that! (simulated)",
            "server_error",
          )
        : error(`Request failed with status ${status} (simulated).`, "invalid_request_error");
  }
}
