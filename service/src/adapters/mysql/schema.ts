/**
 * The tables, as Drizzle sees them. drizzle-kit generates the migrations in `./migrations` from this file
 * (`npm run db:generate -w service`); edit the schema, never the generated SQL.
 */
import {
  bigint,
  boolean,
  customType,
  date,
  datetime,
  foreignKey,
  index,
  int,
  mysqlTable,
  primaryKey,
  unique,
} from "drizzle-orm/mysql-core";

/**
 * Drizzle's mysql-core cannot declare a table's or a column's character set, and a server's default may
 * be latin1 (or utf8mb4 with a different collation on MySQL 8 and MariaDB). So every string column says
 * its own: `utf8mb4_unicode_ci` for people's text, `utf8mb4_bin` for keys and codes, which must compare
 * exactly — a user id that differs only in case is another user.
 */
type Collation = "utf8mb4_unicode_ci" | "utf8mb4_bin";

const utf8 = (collation: Collation) =>
  customType<{ data: string; driverData: string; config: { type: string } }>({
    dataType: (config) => `${config?.type ?? "text"} CHARACTER SET utf8mb4 COLLATE ${collation}`,
  });
const humanText = utf8("utf8mb4_unicode_ci");
const exactText = utf8("utf8mb4_bin");

/** An id minted by the application (a UUID string). */
const id = (name: string) => exactText(name, { type: "char(36)" });
/** Millisecond timestamps, always written and read as UTC by Drizzle's date mode. */
const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });

export const chats = mysqlTable(
  "chats",
  {
    id: id("id").primaryKey(),
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    title: humanText("title", { type: "varchar(200)" }).notNull(),
    model: exactText("model", { type: "varchar(100)" }).notNull(),
    /** The chat's own system prompt: null = the service's default, "" = none (bounded: 16 KiB default). */
    instructions: humanText("instructions", { type: "text" }),
    /** Their tokens, counted once when set: sending never tokenizes them again. */
    instructionsTokens: int("instructions_tokens", { unsigned: true }),
    /** `first_message`, `generated` or `user` (null: from before sources were tracked; never replaced). */
    titleSource: exactText("title_source", { type: "varchar(16)" }),
    /**
     * The leaf of the path the chat shows and continues, when the user switched to a branch that is not the
     * newest; null: the chat's newest message (every turn makes its new reply the leaf, and resets this).
     */
    activeLeafId: id("active_leaf_id"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (table) => [
    // A user's chats, newest activity first, with the id as the keyset tie-breaker.
    index("chats_user_activity_idx").on(table.userId, table.updatedAt, table.id),
  ],
);

export const messages = mysqlTable(
  "messages",
  {
    id: id("id").primaryKey(),
    chatId: id("chat_id").notNull(),
    seq: int("seq", { unsigned: true }).notNull(),
    /** The message it follows (null: a first message): chats are trees, see domain/chat.ts. */
    parentId: id("parent_id"),
    /** Its position on its path, from 1 (`messages_left_out` and titles count along the path). */
    depth: int("depth", { unsigned: true }).notNull(),
    /**
     * The run of messages it belongs to: a parent's first child continues its parent's run, a later one
     * (a regenerated answer, an edited message) starts its own, named by its id; null is the run of the
     * chat's first message. A run is one line, so a path is read a run at a time by one index range
     * (see message-tree.ts) instead of a message at a time.
     */
    chainId: id("chain_id"),
    role: exactText("role", { type: "varchar(16)" }).notNull(),
    content: humanText("content", { type: "mediumtext" }).notNull(),
    tokenCount: int("token_count", { unsigned: true }).notNull(),
    /**
     * The encoding `token_count` is in (the chat's model's when written); null for rows written before
     * it was recorded, which are in the default model's. Counts in other encodings: message_token_counts.
     */
    tokenEncoding: exactText("token_encoding", { type: "varchar(32)" }),
    status: exactText("status", { type: "varchar(16)" }).notNull(),
    finishReason: exactText("finish_reason", { type: "varchar(32)" }),
    promptTokens: int("prompt_tokens", { unsigned: true }),
    completionTokens: int("completion_tokens", { unsigned: true }),
    totalTokens: int("total_tokens", { unsigned: true }),
    /** Whose figure the three token columns hold: `provider` or `estimate` (see domain/usage.ts). */
    usageSource: exactText("usage_source", { type: "varchar(16)" }),
    /** The reply's estimated cost in micro-USD, from the model's price when it ended. */
    costMicros: bigint("cost_micros", { mode: "number", unsigned: true }),
    /**
     * The fitted prompt's tokens, recorded while the reply is live: what the sweeper's estimate starts
     * from when the owner dies before the final write.
     */
    fittedPromptTokens: int("fitted_prompt_tokens", { unsigned: true }),
    /** Set by a reply's final write until its turn is indexed for search (search-indexer.ts). */
    searchPending: boolean("search_pending").notNull().default(false),
    error: humanText("error", { type: "varchar(500)" }),
    /** While `streaming`: the process generating it (a new id per process start)... */
    owner: id("owner"),
    /** ...and until when it holds the reply; past this, any process's sweeper ends it `interrupted`. */
    leaseExpiresAt: timestamp("lease_expires_at"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (table) => [
    // The conversation order; also the index for reading newest-first and for the foreign key.
    unique("messages_chat_seq_uq").on(table.chatId, table.seq),
    // A message's children in the order written: siblings (GetChat's arrows) and the newest child
    // (SetActiveBranch's walk down), each an index range, never a scan of the chat.
    index("messages_chat_parent_seq_idx").on(table.chatId, table.parentId, table.seq),
    // A run of a path, newest first: one range per run (see chainId).
    index("messages_chat_chain_seq_idx").on(table.chatId, table.chainId, table.seq),
    // Serves the lease sweeper and heartbeat (`status = 'streaming'`, then the expiry): live rows only,
    // never a walk over stored history.
    index("messages_status_lease_idx").on(table.status, table.leaseExpiresAt),
    // The search indexer's marked replies: a handful at any moment, never a walk over stored history.
    index("messages_search_pending_idx").on(table.searchPending),
    foreignKey({ name: "messages_chat_fk", columns: [table.chatId], foreignColumns: [chats.id] }).onDelete(
      "cascade",
    ),
  ],
);

/** Which chat each WhatsApp sender (`whatsapp:+E164`, their user id) is in; null: the next one is new. */
export const whatsAppSenders = mysqlTable(
  "whatsapp_senders",
  {
    sender: exactText("sender", { type: "varchar(191)" }).primaryKey(),
    chatId: id("chat_id"),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (table) => [
    // A chat deleted through the API is simply no longer the sender's: their next message starts one.
    foreignKey({
      name: "whatsapp_senders_chat_fk",
      columns: [table.chatId],
      foreignColumns: [chats.id],
    }).onDelete("set null"),
  ],
);

/**
 * Every inbound WhatsApp message (a turn), once: the primary key on Twilio's MessageSid is what makes a
 * redelivered or concurrently duplicated webhook a no-op. Not the text (it is in `messages` when the
 * model got it), but how the turn went: its kind, status, the chat and reply that answered it, how many
 * parts were sent and the failure, if any.
 */
export const whatsAppMessages = mysqlTable(
  "whatsapp_messages",
  {
    messageSid: exactText("message_sid", { type: "varchar(64)" }).primaryKey(),
    sender: exactText("sender", { type: "varchar(191)" }).notNull(),
    kind: exactText("kind", { type: "varchar(16)" }).notNull(),
    status: exactText("status", { type: "varchar(16)" }).notNull(),
    chatId: id("chat_id"),
    replyId: id("reply_id"),
    partsSent: int("parts_sent", { unsigned: true }).notNull(),
    errorCode: exactText("error_code", { type: "varchar(32)" }),
    error: humanText("error", { type: "varchar(500)" }),
    /** While `answering`: the process answering it and its lease, as for live replies. */
    owner: id("owner"),
    leaseExpiresAt: timestamp("lease_expires_at"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (table) => [
    // "Is this sender being answered?" (status, sender).
    index("whatsapp_messages_status_sender_idx").on(table.status, table.sender),
    // The lease sweeper and heartbeat: answering turns only.
    index("whatsapp_messages_status_lease_idx").on(table.status, table.leaseExpiresAt),
  ],
);

/**
 * Each user's usage per UTC day and kind (`reply`, later `title`), kept up to date by the same
 * transaction as each reply's final write (see usage-daily.ts): a budget check or GetUsage is one
 * primary-key range read, never a scan of messages.
 */
export const usageDaily = mysqlTable(
  "usage_daily",
  {
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    day: date("day", { mode: "string" }).notNull(),
    kind: exactText("kind", { type: "varchar(16)" }).notNull(),
    promptTokens: bigint("prompt_tokens", { mode: "number", unsigned: true }).notNull(),
    completionTokens: bigint("completion_tokens", { mode: "number", unsigned: true }).notNull(),
    /** How many replies (or other uses) ended that day... */
    replies: int("replies", { unsigned: true }).notNull(),
    /** ...and how many of them are counted by our estimate rather than the provider's figure. */
    estimatedReplies: int("estimated_replies", { unsigned: true }).notNull(),
    costMicros: bigint("cost_micros", { mode: "number", unsigned: true }).notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (table) => [primaryKey({ name: "usage_daily_pk", columns: [table.userId, table.day, table.kind] })],
);

/**
 * Personal API keys. Only a SHA-256 hash of each key is stored: a key carries 256 random bits, so a fast
 * hash is right (a slow password hash such as bcrypt or argon2 only helps against guessable secrets, and
 * would cost every uncached call milliseconds). The prefix is the visible start of the key (`pk_` + 8
 * characters): people recognise their keys by it, and verification finds the row by it before comparing
 * hashes in constant time.
 */
export const apiKeys = mysqlTable(
  "api_keys",
  {
    id: id("id").primaryKey(),
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    name: humanText("name", { type: "varchar(100)" }).notNull(),
    prefix: exactText("prefix", { type: "varchar(16)" }).notNull(),
    /** SHA-256 of the whole key, lowercase hex. */
    hash: exactText("hash", { type: "char(64)" }).notNull(),
    createdAt: timestamp("created_at").notNull(),
    expiresAt: timestamp("expires_at"),
    revokedAt: timestamp("revoked_at"),
    /** Updated at most once per cache period per replica (when a key is verified against the table). */
    lastUsedAt: timestamp("last_used_at"),
  },
  (table) => [
    unique("api_keys_prefix_uq").on(table.prefix),
    // A user's keys, newest first.
    index("api_keys_user_created_idx").on(table.userId, table.createdAt),
  ],
);

/**
 * Each user's limit overrides (null: the configured default; 0: no limit) and whether an operator
 * blocked them. A row also serves as the user's lock: startTurn locks it (inserting it first when
 * missing) to count the user's live replies exactly, across replicas.
 */
export const userLimits = mysqlTable("user_limits", {
  userId: exactText("user_id", { type: "varchar(191)" }).primaryKey(),
  concurrentReplies: int("concurrent_replies", { unsigned: true }),
  messagesPerMinute: int("messages_per_minute", { unsigned: true }),
  dailyTokens: bigint("daily_tokens", { mode: "number", unsigned: true }),
  monthlyTokens: bigint("monthly_tokens", { mode: "number", unsigned: true }),
  monthlyCostMicros: bigint("monthly_cost_micros", { mode: "number", unsigned: true }),
  blocked: boolean("blocked").notNull().default(false),
  updatedAt: timestamp("updated_at").notNull(),
});

/**
 * Which limit refusals a WhatsApp sender was told about: one row per sender, limit and period (the
 * day, the month, the minute), so the sentence is sent once per window, not once per message.
 */
export const whatsAppLimitNotices = mysqlTable(
  "whatsapp_limit_notices",
  {
    sender: exactText("sender", { type: "varchar(191)" }).notNull(),
    reason: exactText("reason", { type: "varchar(32)" }).notNull(),
    period: exactText("period", { type: "varchar(32)" }).notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (table) => [
    primaryKey({ name: "whatsapp_limit_notices_pk", columns: [table.sender, table.reason, table.period] }),
  ],
);

/**
 * Which chats were imported from where: one row per (user, source, the source's chat id), so importing
 * the same file again finds them instead of adding copies. Deleting the chat deletes its record (a
 * later import brings it back).
 */
export const chatImports = mysqlTable(
  "chat_imports",
  {
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    /** `parley` (a Parley JSON export) or `chatgpt` (conversations.json). */
    source: exactText("source", { type: "varchar(16)" }).notNull(),
    sourceChatId: exactText("source_chat_id", { type: "varchar(191)" }).notNull(),
    chatId: id("chat_id").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (table) => [
    primaryKey({ name: "chat_imports_pk", columns: [table.userId, table.source, table.sourceChatId] }),
    foreignKey({
      name: "chat_imports_chat_fk",
      columns: [table.chatId],
      foreignColumns: [chats.id],
    }).onDelete("cascade"),
  ],
);

/** A `chats` row as Drizzle reads it; mapped to the domain's `Chat` before it leaves this folder. */
export type ChatRow = typeof chats.$inferSelect;
/** A `messages` row as Drizzle reads it; mapped to the domain's `Message`. */
export type MessageRow = typeof messages.$inferSelect;

/**
 * Token counts of messages in encodings other than the one in `messages.token_count`: written when a chat
 * moved to a model with another tokenizer and its history was counted again (lazily, as far as the
 * window read). Gone with the message.
 */
export const messageTokenCounts = mysqlTable(
  "message_token_counts",
  {
    messageId: id("message_id").notNull(),
    encoding: exactText("encoding", { type: "varchar(32)" }).notNull(),
    tokenCount: int("token_count", { unsigned: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: "message_token_counts_pk", columns: [table.messageId, table.encoding] }),
    foreignKey({
      name: "message_token_counts_message_fk",
      columns: [table.messageId],
      foreignColumns: [messages.id],
    }).onDelete("cascade"),
  ],
);

/**
 * The search index's documents: one per searchable text (a message, or a chat's title), with its folded
 * text (domain/search-text.ts) for the exact substring check. The id orders results (newest indexed
 * first) and keys the grams. Deleting a chat deletes its documents and, through them, their grams.
 */
export const searchDocuments = mysqlTable(
  "search_documents",
  {
    id: bigint("id", { mode: "number", unsigned: true }).autoincrement().primaryKey(),
    /** The message's id, or the chat's id for its title: re-indexing a source replaces its document. */
    sourceId: id("source_id").notNull(),
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    chatId: id("chat_id").notNull(),
    /** `title`, `user` or `assistant`. */
    role: exactText("role", { type: "varchar(16)" }).notNull(),
    /** Folded text, compared byte for byte: a search is matched literally, never as a pattern. */
    body: exactText("body", { type: "mediumtext" }).notNull(),
    writtenAt: timestamp("written_at").notNull(),
  },
  (table) => [
    unique("search_documents_source_uq").on(table.sourceId),
    // A user's documents newest first: the one-character search walks it.
    index("search_documents_user_idx").on(table.userId, table.id),
    index("search_documents_chat_idx").on(table.chatId),
    foreignKey({
      name: "search_documents_chat_fk",
      columns: [table.chatId],
      foreignColumns: [chats.id],
    }).onDelete("cascade"),
  ],
);

/**
 * The n-gram index: one row per distinct bigram of each document, under a 32-bit hash of its user, so
 * a search reads only that user's posting lists, in the primary key's order.
 */
export const searchGrams = mysqlTable(
  "search_grams",
  {
    userKey: int("user_key", { unsigned: true }).notNull(),
    gram: int("gram", { unsigned: true }).notNull(),
    documentId: bigint("document_id", { mode: "number", unsigned: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: "search_grams_pk", columns: [table.userKey, table.gram, table.documentId] }),
    index("search_grams_document_idx").on(table.documentId),
    foreignKey({
      name: "search_grams_document_fk",
      columns: [table.documentId],
      foreignColumns: [searchDocuments.id],
    }).onDelete("cascade"),
  ],
);

/**
 * Each user's presets: named instructions to give chats. At most 100 per user (counted under the user's
 * `user_limits` row lock, as live replies are); names unique per user.
 */
export const presets = mysqlTable(
  "presets",
  {
    id: id("id").primaryKey(),
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    name: humanText("name", { type: "varchar(100)" }).notNull(),
    instructions: humanText("instructions", { type: "text" }).notNull(),
    instructionsTokens: int("instructions_tokens", { unsigned: true }).notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (table) => [unique("presets_user_name_uq").on(table.userId, table.name)],
);
/** A `presets` row as Drizzle reads it. */
export type PresetRow = typeof presets.$inferSelect;

/**
 * Client request ids of SendMessage (safe retries): one row per user and id, written in the turn's
 * transaction (startTurn), so a retry — or a concurrent duplicate, which meets the key — finds the turn
 * the first attempt started instead of starting another. `body_hash` tells a retry from a different
 * request reusing the id. Rows older than the window are deleted in bounded batches by the sweeper.
 */
export const sendRequests = mysqlTable(
  "send_requests",
  {
    userId: exactText("user_id", { type: "varchar(191)" }).notNull(),
    requestId: exactText("request_id", { type: "varchar(64)" }).notNull(),
    bodyHash: exactText("body_hash", { type: "char(64)" }).notNull(),
    chatId: id("chat_id").notNull(),
    userMessageId: id("user_message_id").notNull(),
    replyId: id("reply_id").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (table) => [
    primaryKey({ name: "send_requests_pk", columns: [table.userId, table.requestId] }),
    index("send_requests_created_idx").on(table.createdAt),
  ],
);
