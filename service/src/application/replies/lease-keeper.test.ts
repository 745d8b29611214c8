import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { aChat, aTurn } from "../../../test/support/chat-builders.js";
import { createInMemoryChatRepository } from "../../../test/support/in-memory-chat-repository.js";
import { silentLogger } from "../../../test/support/use-case-fixture.js";
import { LeaseKeeper } from "./lease-keeper.js";

const settings = { leaseMs: 10_000, renewEveryMs: 2_000, sweepEveryMs: 5_000 };
const start = new Date("2025-01-01T00:00:00.000Z");

beforeEach(() => {
  vi.useFakeTimers({ now: start });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A repository with one live reply of `owner`, leased until `start + leaseMs`. */
async function withLiveReply(owner: string) {
  const repository = createInMemoryChatRepository();
  const lease = { owner, expiresAt: new Date(start.getTime() + settings.leaseMs) };
  const turn = await repository.startTurn(aTurn(aChat({ userId: "u" }), { lease, now: start }));
  const status = async () => (await repository.findReply("u", turn.reply.id))?.status;
  return { repository, status, replyId: turn.reply.id };
}

function keeper(repository: ReturnType<typeof createInMemoryChatRepository>, held: () => string[]) {
  const clock = { now: () => new Date() };
  const stores = [{ name: "replies", store: repository, held }];
  return new LeaseKeeper({ stores, clock, logger: silentLogger, owner: "me", settings });
}

describe("LeaseKeeper", () => {
  it("keeps a live reply alive by renewing, far past its first lease", async () => {
    const { repository, status, replyId } = await withLiveReply("me");
    const leases = keeper(repository, () => [replyId]);
    leases.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await status()).toBe("streaming");
    leases.stop();
  });

  it("lets a reply whose owner stopped renewing run out, and sweeps it within a sweep interval", async () => {
    const { repository, status } = await withLiveReply("crashed");
    const sweeper = keeper(repository, () => []);
    sweeper.start();
    await vi.advanceTimersByTimeAsync(settings.leaseMs - 1);
    expect(await status()).toBe("streaming");
    await vi.advanceTimersByTimeAsync(settings.sweepEveryMs);
    expect(await status()).toBe("interrupted");
    sweeper.stop();
  });

  it("sends no heartbeat when it holds nothing, and renews only what it names", async () => {
    const { repository, replyId } = await withLiveReply("me");
    const renewLeases = vi.spyOn(repository, "renewLeases");
    expect(await keeper(repository, () => []).renew()).toBe(0);
    expect(renewLeases).not.toHaveBeenCalled();
    expect(await keeper(repository, () => ["another-reply"]).renew()).toBe(0);
    expect(await keeper(repository, () => [replyId]).renew()).toBe(1);
    expect(renewLeases).toHaveBeenLastCalledWith(
      "me",
      [replyId],
      new Date(start.getTime() + settings.leaseMs),
    );
  });

  it("survives a failing store: logs, returns 0, and tries again at the next tick", async () => {
    const { repository } = await withLiveReply("me");
    vi.spyOn(repository, "endExpiredLeases").mockRejectedValueOnce(new Error("down"));
    const leases = keeper(repository, () => []);
    expect(await leases.sweep()).toBe(0);
    vi.setSystemTime(start.getTime() + settings.leaseMs + 1);
    expect(await leases.sweep()).toBe(1);
  });
});
