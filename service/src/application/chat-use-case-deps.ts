/** What every use case may need: the ports, the live-reply hub and the settings that shape a reply. */
import type { ContextLimits } from "../domain/context-window.js";
import type { ChatRepository, Clock, IdGenerator, Logger, TokenCounter } from "./ports.js";
import type { ReplyHub } from "./reply-hub.js";

export interface ChatSettings {
  model: string;
  limits: ContextLimits;
  temperature: number;
  systemPrompt: string | null;
  /** Tokens of the system prompt, counted once at start-up. */
  systemPromptTokens: number | null;
  /** Cap on a user message in UTF-8 bytes, checked before tokenizing. */
  maxMessageBytes: number;
}

export interface ChatUseCaseDeps {
  repository: ChatRepository;
  hub: ReplyHub;
  tokenCounter: TokenCounter;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  settings: ChatSettings;
}
