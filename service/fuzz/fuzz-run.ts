/**
 * One fuzz run: start the service, make the owner's chats, fire each target's requests for its time
 * slice (a few at a time), then check the run: every status documented, nothing left live once the
 * accepted replies finish, every row written traced to an accepted request, and the service still
 * serving. Request `n` of a target is generated from (seed, target, n) alone, so it can be replayed.
 */
import { statusOf, statusProblem, wroteOf } from "./oracle.js";
import { createRandom } from "./prng.js";
import { targets, type FuzzContext, type Generated, type Target } from "./targets.js";
import { closeSessions, send, type Outcome } from "./wire.js";
import { fuzzToken, startServiceUnderTest, type ServiceUnderTest } from "./fuzz-service.js";

export interface FuzzOptions {
  seed: number;
  msPerTarget: number;
  /** Stop a target after this many requests too (a fixed amount of work, for tests); default none. */
  maxRequestsPerTarget?: number;
  /** Target names; default all. */
  only?: string[];
  /** Requests in flight per target. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface TargetReport {
  name: string;
  requests: number;
  statuses: Record<string, number>;
}

export interface FuzzReport {
  seed: number;
  targets: TargetReport[];
  /** Everything that failed the run; empty means it passed. */
  problems: string[];
}

interface Sent {
  target: string;
  index: number;
  generated: Generated;
  outcome: Outcome;
  status: string;
  wrote: "yes" | "maybe" | "no";
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const sut = await startServiceUnderTest();
  const problems: string[] = [];
  const reports: TargetReport[] = [];
  const sent: Sent[] = [];
  try {
    const owner = await makeOwner(sut, options.seed);
    const before = await snapshot(sut);
    const chosen = targets.filter((t) => !options.only || options.only.includes(t.name));
    for (const [targetIndex, target] of chosen.entries()) {
      const report = await fuzzTarget(sut, target, targetIndex, owner, options, sent, problems);
      reports.push(report);
      log(`${target.name}: ${report.requests} requests, ${JSON.stringify(report.statuses)}`);
    }
    const live = await sut.settle();
    if (live > 0) problems.push(`${live} replies or WhatsApp turns still live 60 s after the run`);
    problems.push(...(await account(sut, before, sent)));
    const serving = await sut.stillServing(`fz-${options.seed}-final`);
    if (serving) problems.push(serving);
    for (const line of sut.errorLines()) problems.push(`the service logged an error: ${line.slice(0, 300)}`);
  } finally {
    closeSessions();
    await sut.stop();
  }
  return { seed: options.seed, targets: reports, problems };
}

async function makeOwner(sut: ServiceUnderTest, seed: number) {
  const userId = `fz-${seed}-owner`;
  const chatIds: string[] = [];
  const replyIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    for await (const { event } of sut.client.sendMessage({ userId, text: `owner chat ${i}` })) {
      if (event?.kind.case === "started") {
        chatIds.push(event.kind.value.chatId);
        replyIds.push(event.kind.value.replyId);
      }
    }
  }
  return { userId, chatIds, replyIds };
}

async function fuzzTarget(
  sut: ServiceUnderTest,
  target: Target,
  targetIndex: number,
  owner: FuzzContext["owner"],
  options: FuzzOptions,
  sent: Sent[],
  problems: string[],
): Promise<TargetReport> {
  const report: TargetReport = { name: target.name, requests: 0, statuses: {} };
  const endAt = Date.now() + options.msPerTarget;
  let next = 0;
  const worker = async () => {
    const limit = options.maxRequestsPerTarget ?? Number.POSITIVE_INFINITY;
    while (Date.now() < endAt && next < limit) {
      const index = next++;
      const rng = createRandom(
        (options.seed ^ Math.imul(targetIndex + 1, 0x9e3779b1) ^ Math.imul(index, 0x85ebca77)) >>> 0,
      );
      const context: FuzzContext = {
        rng,
        token: fuzzToken,
        owner,
        freshUser: () => `fz-${options.seed}-${target.name}-${index}`,
        freshSender: () => `whatsapp:+1999${String(targetIndex * 1e7 + (index % 1e7)).padStart(8, "0")}`,
        twilio: sut.twilio,
      };
      const generated = target.generate(context);
      const outcome = await send(
        sut.service.baseUrl,
        generated.request,
        generated.rpc?.decodeEvent ?? (() => null),
      );
      const status = statusOf(generated, outcome);
      report.requests++;
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      sent.push({
        target: target.name,
        index,
        generated,
        outcome,
        status,
        wrote: wroteOf(generated, outcome, status),
      });
      const problem = statusProblem(generated, outcome, status);
      if (problem)
        problems.push(
          `${target.name} #${index} (--seed ${options.seed}): ${problem}\n  ${describe(generated, outcome)}`,
        );
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return report;
}

/** A failing request, enough to replay it by hand. */
export function describe(generated: Generated, outcome: Outcome): string {
  const { transport, method, path, headers, body } = generated.request;
  const shown =
    body.length > 300
      ? `${Buffer.from(body.subarray(0, 300)).toString("hex")}…(${body.length} bytes)`
      : Buffer.from(body).toString("hex");
  return `${transport} ${method} ${path} ${JSON.stringify(headers)} body=${shown} → HTTP ${outcome.httpStatus} ${outcome.bodyPreview.slice(0, 160)}`;
}

interface Snapshot {
  chats: Set<string>;
  messages: Map<string, number>;
  turns: Set<string>;
}

async function snapshot(sut: ServiceUnderTest): Promise<Snapshot> {
  const chats = await sut.rows<{ id: string }>("SELECT id FROM chats");
  const messages = await sut.rows<{ chat_id: string; n: number }>(
    "SELECT chat_id, COUNT(*) AS n FROM messages GROUP BY chat_id",
  );
  const turns = await sut.rows<{ message_sid: string }>("SELECT message_sid FROM whatsapp_messages");
  return {
    chats: new Set(chats.map((r) => r.id)),
    messages: new Map(messages.map((r) => [r.chat_id, Number(r.n)])),
    turns: new Set(turns.map((r) => r.message_sid)),
  };
}

/**
 * Every row added during the run must come from a request that was accepted (or may have been: a
 * deadline or a hang-up after the reply began). Rows of a fresh user trace to that user's one request;
 * rows nobody's request names (a mutated user id, the owner's chats) are counted against the accepted
 * requests that could have written them.
 */
async function account(sut: ServiceUnderTest, before: Snapshot, sent: Sent[]): Promise<string[]> {
  const problems: string[] = [];
  const byActor = new Map(sent.filter((s) => s.generated.actor).map((s) => [s.generated.actor!, s]));
  const mayWrite = sent.filter((s) => s.wrote !== "no");
  const chats = await sut.rows<{ id: string; user_id: string }>("SELECT id, user_id FROM chats");
  let untraced = 0;
  for (const chat of chats.filter((c) => !before.chats.has(c.id))) {
    const source = byActor.get(chat.user_id);
    if (!source) untraced++;
    else if (source.wrote === "no") {
      problems.push(
        `${source.target} #${source.index} was refused (${source.status}) but wrote chat ${chat.id}\n  ${describe(source.generated, source.outcome)}`,
      );
    }
  }
  const anonymous = mayWrite.filter(
    (s) => !s.generated.actor || !chats.some((c) => c.user_id === s.generated.actor),
  );
  if (untraced > anonymous.length + 1) {
    problems.push(
      `${untraced} new chats trace to no request, but only ${anonymous.length} accepted requests could have made them`,
    );
  }
  const counts = await sut.rows<{ chat_id: string; n: number }>(
    "SELECT chat_id, COUNT(*) AS n FROM messages GROUP BY chat_id",
  );
  const added = counts
    .filter((r) => before.chats.has(r.chat_id))
    .reduce((sum, r) => sum + Number(r.n) - (before.messages.get(r.chat_id) ?? 0), 0);
  if (added > 2 * anonymous.length) {
    problems.push(
      `${added} messages were added to the owner's chats, more than ${anonymous.length} accepted sends could write`,
    );
  }
  const turns = await sut.rows<{ message_sid: string; sender: string }>(
    "SELECT message_sid, sender FROM whatsapp_messages",
  );
  for (const turn of turns.filter((t) => !before.turns.has(t.message_sid))) {
    const source = byActor.get(turn.sender);
    if (source?.wrote === "no") {
      problems.push(
        `${source.target} #${source.index} was refused (${source.status}) but recorded WhatsApp turn ${turn.message_sid}\n  ${describe(source.generated, source.outcome)}`,
      );
    }
  }
  return problems;
}
