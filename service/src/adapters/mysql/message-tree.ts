/**
 * Reading a chat's message tree (see domain/chat.ts): a path up from a message, the siblings of a page's
 * messages, the newest leaf under a message. Each costs what it returns, never the chat's other
 * branches: a path is read a run at a time by one index range, then along parent links by a recursive
 * CTE; siblings by one window-function statement; the newest leaf by a recursive CTE down newest children.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Siblings } from "../../domain/chat.js";
import type { ChatDatabase } from "./database.js";
import { chats, messages, type MessageRow } from "./schema.js";

type Reader = Pick<ChatDatabase, "select" | "execute">;

/**
 * Up to `limit` messages of the path from `fromId` (included) towards its root, newest first. Empty when
 * the chat has no such message. A path is runs of messages (see `chain_id` in the schema): the run of
 * `fromId` up to it is one range of the `(chat_id, chain_id, seq)` index, as cheap as reading a straight
 * chat; a page that crosses into an older run goes on along parent links (walkUp), so a page costs at
 * most two statements however the branches lie.
 */
export async function pathRows(
  db: Reader,
  chatId: string,
  fromId: string,
  limit: number,
): Promise<MessageRow[]> {
  // Scalar subqueries by primary key: constants to the optimizer, so the run is one backward range scan.
  const of = (column: "chain_id" | "seq") =>
    sql`(select ${sql.identifier(column)} from ${messages} where id = ${fromId} and chat_id = ${chatId})`;
  const run = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.chatId, chatId),
        sql`${messages.chainId} <=> ${of("chain_id")}`,
        sql`${messages.seq} <= ${of("seq")}`,
      ),
    )
    .orderBy(desc(messages.seq))
    .limit(limit);
  const oldest = run.at(-1);
  if (run.length === limit || !oldest?.parentId) return run;
  return [...run, ...(await walkUp(db, chatId, oldest.parentId, limit - run.length))];
}

/** Up to `limit` messages from `fromId` up, newest first, along parent links (a recursive CTE). */
async function walkUp(db: Reader, chatId: string, fromId: string, limit: number): Promise<MessageRow[]> {
  const path = sql`(with recursive path (id, parent_id, n) as (
      select id, parent_id, 1 from ${messages} where id = ${fromId} and chat_id = ${chatId}
      union all
      select m.id, m.parent_id, path.n + 1 from path join ${messages} m on m.id = path.parent_id
      where path.n < ${limit}
    ) select id from path)`;
  // Along a path `seq` only grows, so newest first is `seq` descending.
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.chatId, chatId), inArray(messages.id, path)))
    .orderBy(desc(messages.seq));
}

/**
 * The siblings of each message (those sharing its parent, oldest first), by id. One statement over the
 * `(chat_id, parent_id, seq)` index: its cost is the number of siblings of these messages.
 */
export async function siblingsOf(
  db: Reader,
  chatId: string,
  page: Pick<MessageRow, "id" | "parentId">[],
): Promise<Map<string, Siblings>> {
  const found = new Map<string, Siblings>();
  if (page.length === 0) return found;
  const parents = [...new Set(page.flatMap((m) => (m.parentId === null ? [] : [m.parentId])))];
  const hasRoot = page.some((m) => m.parentId === null);
  const underParents =
    parents.length > 0
      ? sql`parent_id in (${sql.join(
          parents.map((p) => sql`${p}`),
          sql`, `,
        )})`
      : null;
  const underRoot = hasRoot ? sql`parent_id is null` : null;
  const where =
    underParents && underRoot ? sql`(${underParents} or ${underRoot})` : (underParents ?? underRoot);
  const ids = sql.join(
    page.map((m) => sql`${m.id}`),
    sql`, `,
  );
  const [rows] = (await db.execute(sql`select id, total, position, previous_id, next_id from (
      select id,
        count(*) over (partition by parent_id) as total,
        row_number() over (partition by parent_id order by seq) - 1 as position,
        lag(id) over (partition by parent_id order by seq) as previous_id,
        lead(id) over (partition by parent_id order by seq) as next_id
      from ${messages} where chat_id = ${chatId} and ${where}
    ) siblings where id in (${ids})`)) as unknown as [SiblingRow[]];
  for (const row of rows) {
    found.set(row.id, {
      count: Number(row.total),
      index: Number(row.position),
      previousId: row.previous_id,
      nextId: row.next_id,
    });
  }
  return found;
}

interface SiblingRow {
  id: string;
  total: number | string;
  position: number | string;
  previous_id: string | null;
  next_id: string | null;
}

/** How many levels one statement walks down; a deeper tree takes another statement from where it stopped. */
const levelsPerStatement = 500;

/**
 * The newest leaf under `messageId` (its newest child, that one's newest child, ... ; itself when it has
 * none); undefined when the chat has no such message. One statement per `levelsPerStatement` levels: the
 * anti-join keeps only the newest child at each level, so the walk never fans out into other branches.
 */
export async function newestLeafUnder(
  db: Reader,
  chatId: string,
  messageId: string,
): Promise<string | undefined> {
  let from = messageId;
  for (let first = true; ; first = false) {
    const [rows] = (await db.execute(sql`with recursive down (id, n) as (
        select id, 0 from ${messages} where id = ${from} and chat_id = ${chatId}
        union all
        select child.id, down.n + 1 from down
          join ${messages} child on child.chat_id = ${chatId} and child.parent_id = down.id
          left join ${messages} newer
            on newer.chat_id = ${chatId} and newer.parent_id = down.id and newer.seq > child.seq
        where newer.id is null and down.n < ${levelsPerStatement}
      ) select id, n from down order by n desc limit 1`)) as unknown as [
      { id: string; n: number | string }[],
    ];
    const deepest = rows[0];
    if (!deepest) return first ? undefined : from;
    if (Number(deepest.n) < levelsPerStatement) return deepest.id;
    from = deepest.id;
  }
}

/** The chat's active leaf: the stored choice, else its newest message; null for a chat with no messages. */
export async function activeLeafOf(db: Reader, chatId: string): Promise<string | null> {
  const [row] = await db
    .select({ chosen: chats.activeLeafId, newest: sql<string | null>`(${newestMessage(db, chatId)})` })
    .from(chats)
    .where(eq(chats.id, chatId))
    .limit(1);
  return row?.chosen ?? row?.newest ?? null;
}

/** The chat's newest message's id (the leaf a null `active_leaf_id` stands for). */
export async function newestMessageId(db: Reader, chatId: string): Promise<string | null> {
  const [row] = await newestMessage(db, chatId);
  return row?.id ?? null;
}

/** The query for a chat's newest message's id: one probe of the `(chat_id, seq)` index. */
const newestMessage = (db: Reader, chatId: string) =>
  db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.chatId, chatId))
    .orderBy(desc(messages.seq))
    .limit(1);

/**
 * The runs (`chain_id`) of a chat's messages written together (an import), in the order written: a
 * parent's first child continues its run, a later child starts its own (named by its id), and the chat's
 * first message's run is null — as startTurn assigns them one turn at a time.
 */
export function chainIdsOf(written: readonly { id: string; parentId: string | null }[]): (string | null)[] {
  const chainOf = new Map<string, string | null>();
  const continued = new Set<string | null>();
  return written.map(({ id, parentId }) => {
    const first = !continued.has(parentId);
    continued.add(parentId);
    const chain = !first ? id : parentId === null ? null : (chainOf.get(parentId) ?? null);
    chainOf.set(id, chain);
    return chain;
  });
}
