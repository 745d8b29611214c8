/**
 * The optimistic pre-read of a turn: what startTurn's transaction will read and check, read now with
 * plain autocommit statements (no transaction, no lock), so the model call can start on it while the
 * transaction waits for its BEGIN, the chat's lock and its own read (time to first token). Nothing here
 * is trusted: the transaction reads again under the lock, and the caller compares (turn.ts).
 *
 * One statement for a turn that continues its chat's newest branch — the transaction's own read of the
 * newest rows with the chat's settings (turn-reads.ts), which also tells whose chat it is — plus the
 * user's live-reply count when a concurrency limit is on, on another pool connection in parallel (not
 * one more round trip). A chat switched to an older branch reads its path by runs after that, as the
 * transaction does. A new chat has nothing to read: only the count, when limited. `branch` and `answer`
 * turns (EditMessage, RegenerateReply) are not pre-read: their model call starts at the transaction's
 * checks, as before.
 */
import type { CheckedTurn, NewTurn } from "../../application/chats/chat-repository.js";
import type { ChatDatabase } from "./database.js";
import { assertTitleFits } from "./rows.js";
import {
  liveReplyCount,
  newChatSettings,
  pathFrom,
  readNewest,
  toTurnChat,
  type NewestRead,
} from "./turn-reads.js";

/** The turn as startTurn would see it now; undefined when it would refuse it or this cannot tell. */
export async function readTurn(db: ChatDatabase, turn: NewTurn): Promise<CheckedTurn | undefined> {
  if ((turn.place?.kind ?? "continue") !== "continue") return undefined;
  const { userId, chatId, newChat, historyLimit, maxLiveReplies } = turn;
  const [newest, live] = await Promise.all([
    newChat ? null : readNewest(db, chatId, historyLimit),
    maxLiveReplies > 0 ? liveReplyCount(db, userId) : 0,
  ]);
  if (maxLiveReplies > 0 && live >= maxLiveReplies) return undefined;
  if (newest === null) {
    const chat = newChatSettings(newChat, turn.now);
    const fits = passes(() => {
      if (newChat) assertTitleFits(newChat.title);
      turn.admit?.(chat);
    });
    return fits ? { chat, history: [], historyFrom: null } : undefined;
  }
  const { settings } = newest;
  // Another user's chat is refused by the transaction's lock (`chat.not_found`), as a missing one.
  if (settings?.userId !== userId) return undefined;
  const newestRow = newest.rows[0];
  if (newestRow?.status === "streaming") return undefined;
  const chat = toTurnChat(settings);
  if (turn.chatModel) chat.model = turn.chatModel;
  if (!passes(() => turn.admit?.(chat))) return undefined;
  const parentId = settings.activeLeafId ?? newestRow?.id ?? null;
  const { history, historyFrom } = await pathFrom(db, chatId, parentId, newest, historyLimit);
  const read = { chat, history, historyFrom };
  readRows.set(read, newest);
  return read;
}

/** The rows each pre-read came from, for the turn's transaction to reuse once it verified them. */
const readRows = new WeakMap<CheckedTurn, NewestRead>();

/** The rows `read` (a pre-read of this adapter's) came from; undefined for anything else. */
export function rowsOfPreread(read: CheckedTurn | undefined): NewestRead | undefined {
  return read && readRows.get(read);
}

/** Whether one of the checks the transaction makes before it writes (they throw its refusal) passes. */
function passes(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}
