/**
 * The path of a conversation tree from its root to a leaf, following parent links up from the leaf.
 * Bounded by the number of nodes: a cycle is found, not followed forever.
 */
import { importInvalid } from "../../domain/errors.js";

export interface TreeNodes<N> {
  /** The node with this id, or undefined. */
  get(id: string): N | undefined;
  /** The node's parent id (null at the root); throws `import.invalid` when it has none. */
  parentOf(id: string, node: N): string | null;
  /** How many nodes there are: no path is longer. */
  size: number;
  /** A node's path in the file, for errors. */
  pathOf(id: string): string;
}

/** The nodes from the root down to `leafId`, with their ids. */
export function pathToLeaf<N>(
  nodes: TreeNodes<N>,
  leafId: string,
  leafPath: string,
): { id: string; node: N }[] {
  const path: { id: string; node: N }[] = [];
  const seen = new Set<string>();
  let id: string | null = leafId;
  let from = leafPath;
  while (id !== null) {
    const node = nodes.get(id);
    if (node === undefined)
      throw importInvalid(from, `"${id.slice(0, 64)}" is not a node of the conversation`);
    if (seen.has(id) || path.length >= nodes.size)
      throw importInvalid(nodes.pathOf(id), "the parent links form a cycle");
    seen.add(id);
    path.push({ id, node });
    from = `${nodes.pathOf(id)}.parent`;
    id = nodes.parentOf(id, node);
  }
  return path.reverse();
}
