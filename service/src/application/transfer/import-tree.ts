/**
 * The tree of an imported chat (see ImportTree): each message's parent among the messages before it,
 * the depth it gets, and the leaf the chat shows. The file's ids are never kept: parents are positions in
 * the chat's list, turned into the new ids here.
 */
import type { ImportTree } from "./import-shape.js";

export interface PlacedMessages {
  /** Each message's parent's new id (null: a first message). */
  parentIds: (string | null)[];
  /** Each message's depth on its path, from 1. */
  depths: number[];
  /** The new id of the leaf the chat shows; null when that is the last message (what null stands for). */
  activeLeafId: string | null;
}

/** Places `ids` (the messages' new ids, in the list's order) in `tree`; null: one path, in order. */
export function placeInTree(tree: ImportTree | null, ids: readonly string[]): PlacedMessages {
  const parents = tree?.parents ?? ids.map((_, index) => (index === 0 ? null : index - 1));
  const depths: number[] = [];
  const parentIds = parents.map((parent, index) => {
    // A parent always comes first (the readers check it), so its depth is known.
    depths[index] = parent === null ? 1 : depths[parent]! + 1;
    return parent === null ? null : ids[parent]!;
  });
  const leaf = tree?.activeLeaf ?? ids.length - 1;
  return { parentIds, depths, activeLeafId: leaf === ids.length - 1 ? null : ids[leaf]! };
}

/**
 * The newest leaf under the message at `index` (its newest child, that one's newest child, ...; itself
 * when it has none): what SetActiveBranch makes the active leaf when a message is named.
 */
export function newestLeafUnder(parents: readonly (number | null)[], index: number): number {
  const newestChild = new Map<number, number>();
  parents.forEach((parent, child) => {
    if (parent !== null) newestChild.set(parent, child); // later in the list: newer
  });
  let leaf = index;
  for (let next = newestChild.get(leaf); next !== undefined; next = newestChild.get(leaf)) leaf = next;
  return leaf;
}
