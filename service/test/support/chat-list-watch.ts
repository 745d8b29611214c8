/** Opens a WatchChats stream and records its events as short strings, e.g. `created <chat id> <title>`. */
import { ConnectError, type Client } from "@connectrpc/connect";
import type { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { expect } from "vitest";

export interface ChatListWatch {
  /** `ready`, `created <id> <title>`, `updated <id> <title>`, `deleted <id>`, `resync`. */
  events: string[];
  /** The error that ended the stream, if any. */
  error: ConnectError | undefined;
  ended: Promise<void>;
  close(): Promise<void>;
}

/** Opens the watch and waits for its `ready`. */
export async function watchChatList(
  client: Client<typeof ChatService>,
  userId: string,
  waitForReady = true,
): Promise<ChatListWatch> {
  const abort = new AbortController();
  const watch: ChatListWatch = {
    events: [],
    error: undefined,
    ended: Promise.resolve(),
    async close() {
      abort.abort();
      await watch.ended;
    },
  };
  watch.ended = (async () => {
    try {
      for await (const { event } of client.watchChats({ userId }, { signal: abort.signal })) {
        const kind = event?.kind;
        if (kind?.case === "created" || kind?.case === "updated")
          watch.events.push(`${kind.case} ${kind.value.id} ${kind.value.title}`);
        else if (kind?.case === "deleted") watch.events.push(`deleted ${kind.value.chatId}`);
        else if (kind?.case) watch.events.push(kind.case);
      }
    } catch (error) {
      if (!abort.signal.aborted) watch.error = ConnectError.from(error);
    }
  })();
  if (waitForReady) await expect.poll(() => watch.events[0] ?? watch.error?.code).toBe("ready");
  return watch;
}
