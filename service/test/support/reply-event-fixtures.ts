/**
 * The application's reply events as unit tests write them: a reply's `started` (short placeholder ids)
 * and its `finished` — a clean end of `length` code points unless `fields` say otherwise.
 */
import type { ReplyFinishedEvent, ReplyStartedEvent } from "../../src/application/replies/reply-events.js";

export const aStarted: ReplyStartedEvent = {
  type: "started",
  chatId: "c",
  userMessageId: "u",
  replyId: "r",
  model: "m",
  context: null,
};

export const aFinished = (length: number, fields: Partial<ReplyFinishedEvent> = {}): ReplyFinishedEvent => ({
  type: "finished",
  status: "complete",
  finishReason: "stop",
  usage: null,
  error: null,
  errorCode: null,
  length,
  ...fields,
});
