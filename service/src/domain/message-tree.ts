/**
 * The rules of a chat's message tree over messages in memory: the path to a leaf, a message's siblings,
 * the newest leaf under a message. The MySQL adapter answers the same questions with indexed statements
 * (adapters/mysql/message-tree.ts); these define what the answers are, and serve the in-memory store.
 */
import type { Message, Siblings } from "./chat.js";

type TreeMessage = Pick<Message, "id" | "parentId" | "seq">;

/**
 * The most versions (siblings: regenerated answers, edited messages) one message may have. A bound on
 * what one user's repeated requests can make every GetChat of the chat read (siblings are counted per
 * page), far above what a person uses.
 */
export const maxVersionsPerMessage = 100;

/** The path from `fromId` towards its root, newest first, at most `limit` long; empty when there is no such message. */
export function pathUp<M extends TreeMessage>(
  byId: ReadonlyMap<string, M>,
  fromId: string,
  limit = Infinity,
): M[] {
  const path: M[] = [];
  for (let message = byId.get(fromId); message && path.length < limit;) {
    path.push(message);
    message = message.parentId === null ? undefined : byId.get(message.parentId);
  }
  return path;
}

/** Where `message` stands among the messages sharing its parent, oldest (lowest seq) first. */
export function siblingsIn(all: readonly TreeMessage[], message: TreeMessage): Siblings {
  const siblings = all.filter((m) => m.parentId === message.parentId).sort((a, b) => a.seq - b.seq);
  const index = siblings.findIndex((m) => m.id === message.id);
  return {
    count: siblings.length,
    index,
    previousId: siblings[index - 1]?.id ?? null,
    nextId: siblings[index + 1]?.id ?? null,
  };
}

/** The newest leaf under `messageId`: its newest child's newest child, and so on (itself without children). */
export function newestLeafIn(all: readonly TreeMessage[], messageId: string): string | undefined {
  let current: TreeMessage | undefined = all.find((m) => m.id === messageId);
  if (!current) return undefined;
  for (;;) {
    const parentId: string = current.id;
    let newest: TreeMessage | undefined;
    for (const m of all) if (m.parentId === parentId && (!newest || m.seq > newest.seq)) newest = m;
    if (!newest) return parentId;
    current = newest;
  }
}
