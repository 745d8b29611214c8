import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@parley/gen/grpc/health/v1/health_pb";
import { describe, expect, it } from "vitest";
import { createHealthService, type HealthServiceOptions } from "./health.js";

function setup(options: HealthServiceOptions = {}) {
  const health = createHealthService(options);
  const client = createClient(
    Health,
    createRouterTransport((router) => health.register(router)),
  );
  const status = async (service: string) => (await client.check({ service })).status;
  return { health, client, status };
}

describe("Check", () => {
  it('knows "" and the given services, and nothing else', async () => {
    const { status } = setup({ services: ["a.v1.A"] });
    expect(await status("")).toBe(Status.SERVING);
    expect(await status("a.v1.A")).toBe(Status.SERVING);
    await expect(status("b.v1.B")).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("reports what setStatus set, until shutdown freezes everything at NOT_SERVING", async () => {
    const { health, status } = setup();
    health.setStatus("a.v1.A", "NOT_SERVING");
    expect(await status("a.v1.A")).toBe(Status.NOT_SERVING);
    health.shutdown();
    health.setStatus("", "SERVING");
    expect(await status("")).toBe(Status.NOT_SERVING);
  });
});

describe("readiness", () => {
  it('asks the check for "" only, and reuses its answer for cacheMs', async () => {
    let calls = 0;
    const { status } = setup({
      services: ["a.v1.A"],
      readiness: { check: async () => (calls++, false), cacheMs: 60_000 },
    });
    expect(await Promise.all([status(""), status("")])).toEqual([Status.NOT_SERVING, Status.NOT_SERVING]);
    expect(await status("a.v1.A")).toBe(Status.SERVING);
    expect(calls).toBe(1);
  });

  it.each([
    ["rejects", () => Promise.reject(new Error("db down"))],
    ["hangs", () => new Promise<boolean>(() => {})],
    [
      "throws",
      () => {
        throw new Error("sync");
      },
    ],
  ])("counts a check that %s as not ready", async (_, check) => {
    const { status } = setup({ readiness: { check: check as () => Promise<boolean>, timeoutMs: 50 } });
    expect(await status("")).toBe(Status.NOT_SERVING);
  });
});

describe("readiness once an answer is known", () => {
  /** A check whose every call waits until the test answers it. */
  function heldCheck() {
    const answers: Array<(ok: boolean) => void> = [];
    return { answers, check: () => new Promise<boolean>((resolve) => answers.push(resolve)) };
  }

  it("answers from the last state while a stale one is refreshed, one refresh at a time", async () => {
    const { answers, check } = heldCheck();
    const { status } = setup({ readiness: { check, cacheMs: 0, timeoutMs: 60_000 } });
    const first = status(""); // nothing known yet: this one waits
    await expect.poll(() => answers.length).toBe(1);
    answers[0]!(true);
    expect(await first).toBe(Status.SERVING);

    // Stale at once (cacheMs 0): each probe is answered while the refresh it started is still held.
    expect(await status("")).toBe(Status.SERVING);
    expect(await status("")).toBe(Status.SERVING);
    expect(answers).toHaveLength(2);

    answers[1]!(false);
    await expect.poll(() => status("")).toBe(Status.NOT_SERVING);
  });

  it("turns NOT_SERVING when a refresh hangs past timeoutMs", async () => {
    let hang = false;
    const check = () => (hang ? new Promise<boolean>(() => {}) : Promise.resolve(true));
    const { status } = setup({ readiness: { check, cacheMs: 0, timeoutMs: 50 } });
    expect(await status("")).toBe(Status.SERVING);
    hang = true;
    expect(await status("")).toBe(Status.SERVING); // the hung refresh does not hold the probe
    await expect.poll(() => status("")).toBe(Status.NOT_SERVING);
  });
});

describe("Watch", () => {
  it('polls the readiness check for "" and pushes its changes', async () => {
    let ready = true;
    const { health, client } = setup({ readiness: { check: async () => ready, cacheMs: 20 } });
    const abort = new AbortController();
    const stream = client.watch({ service: "" }, { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.status).toBe(Status.SERVING);
    ready = false;
    expect((await stream.next()).value?.status).toBe(Status.NOT_SERVING);
    abort.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: Code.Canceled });
    await expect.poll(() => health.watchers).toBe(0);
  });
});
