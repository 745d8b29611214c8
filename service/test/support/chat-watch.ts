/**
 * Opens a WatchChat stream and records its events, e.g. `chat <title>`, `started <reply id>`,
 * `branch <leaf id>`, `deleted <chat id>`.
 */
import { ConnectError, type Client } from "@connectrpc/connect";
import type { ChatService, ReplyFinished } from "@parley/gen/parley/chat/v1/chat_pb";
import { expect } from "vitest";

export interface WatchedReply {
  replyId: string;
  /** The user message it answers, as its `started` named it. */
  userMessageId: string;
  /** The deltas' text, joined. */
  text: string;
  /** Whether each delta started where the text so far ended. */
  contiguous: boolean;
  finished: ReplyFinished | undefined;
}

export interface ChatWatch {
  /**
   * `chat <title>`, `started <reply id>`, `delta`, `finished <reply id>`, `branch <leaf id>`,
   * `deleted <chat id>`.
   */
  events: string[];
  /** The replies told, in order. */
  replies: WatchedReply[];
  error: ConnectError | undefined;
  done: boolean;
  ended: Promise<void>;
  close(): Promise<void>;
}

/** Opens the watch and (unless told not to) waits for its first event, the chat's summary. */
export async function watchChat(
  client: Client<typeof ChatService>,
  userId: string,
  chatId: string,
  waitForStart = true,
): Promise<ChatWatch> {
  const abort = new AbortController();
  const watch: ChatWatch = {
    events: [],
    replies: [],
    error: undefined,
    done: false,
    ended: Promise.resolve(),
    async close() {
      abort.abort();
      await watch.ended;
    },
  };
  watch.ended = (async () => {
    try {
      for await (const { kind } of client.watchChat({ userId, chatId }, { signal: abort.signal })) {
        if (kind.case === "chat") watch.events.push(`chat ${kind.value.title}`);
        else if (kind.case === "deleted") watch.events.push(`deleted ${kind.value.chatId}`);
        else if (kind.case === "branch") watch.events.push(`branch ${kind.value.leafId}`);
        else if (kind.case === "reply") {
          const event = kind.value.kind;
          const current = watch.replies.at(-1);
          if (event.case === "started") {
            watch.events.push(`started ${event.value.replyId}`);
            watch.replies.push({
              replyId: event.value.replyId,
              userMessageId: event.value.userMessageId,
              text: "",
              contiguous: true,
              finished: undefined,
            });
          } else if (event.case === "delta" && current) {
            watch.events.push("delta");
            if (event.value.offset !== [...current.text].length) current.contiguous = false;
            current.text += event.value.text;
          } else if (event.case === "finished" && current) {
            watch.events.push(`finished ${current.replyId}`);
            current.finished = event.value;
          }
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) watch.error = ConnectError.from(error);
    } finally {
      watch.done = true;
    }
  })();
  if (waitForStart) await expect.poll(() => watch.events[0]?.split(" ")[0] ?? watch.error?.code).toBe("chat");
  return watch;
}
