/**
 * The usage of replies a sweeper ended after their owner died: no provider figure can come any more, so
 * it is our estimate — the fitted prompt's tokens the owner recorded when the reply started, plus the
 * tokens of the text it had saved — stored on each reply and added to its user's day, in the sweep's
 * transaction.
 */
import { eq, inArray } from "drizzle-orm";
import type { EndedLease } from "../../application/ports.js";
import type { UsageMeter } from "../../application/usage/usage-meter.js";
import type { SweepTransaction } from "./leases.js";
import { usageColumns } from "./rows.js";
import { chats, messages } from "./schema.js";
import { addDailyUsage, type UsageIncrement } from "./usage-daily.js";

export async function settleSweptUsage(
  tx: SweepTransaction,
  ended: readonly EndedLease[],
  meter: UsageMeter,
  now: Date,
): Promise<void> {
  if (ended.length === 0) return;
  const rows = await tx
    .select({
      id: messages.id,
      content: messages.content,
      fittedPromptTokens: messages.fittedPromptTokens,
      userId: chats.userId,
      model: chats.model,
    })
    .from(messages)
    .innerJoin(chats, eq(chats.id, messages.chatId))
    .where(
      inArray(
        messages.id,
        ended.map((row) => row.id),
      ),
    );
  const increments: UsageIncrement[] = [];
  for (const row of rows) {
    const usage = meter.measure({
      model: row.model,
      reported: null,
      // Unknown (0) only if the owner died before its prompt count landed, moments after the start.
      promptTokens: row.fittedPromptTokens ?? 0,
      text: row.content,
      // Its owner had started the model call; whether the upstream took it is unknown, so it is billed.
      accepted: row.fittedPromptTokens !== null || row.content.length > 0,
    });
    // One row each (usage differs per reply); sweeps are rare and bounded by the sweep batch.
    await tx
      .update(messages)
      .set({ ...usageColumns(usage), tokenCount: usage.completionTokens })
      .where(eq(messages.id, row.id));
    increments.push({ userId: row.userId, kind: "reply", usage, at: now });
  }
  await addDailyUsage(tx, increments);
}
