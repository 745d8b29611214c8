// Presets (parley.presets.v1.PresetService) over real clients and MariaDB: create, list, rename, change,
// delete; each user's own only (service token on behalf of a user, or a personal key as its user);
// bounded in number, name and size, every refusal with its code and reason.
import { randomUUID } from "node:crypto";
import { Code, createClient, type ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import { PresetService } from "@parley/gen/parley/presets/v1/presets_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxPresetsPerUser } from "../../src/domain/preset.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { expectCode } from "../support/rpc-probes.js";
import { testTokenCounter } from "../support/test-usage-meter.js";

let harness: Harness;
let presets: ReturnType<typeof createClient<typeof PresetService>>;
beforeAll(async () => {
  harness = await startParley({ settings: { instructions: { maxBytes: 1_000, maxTokens: 100 } } });
  presets = createClient(PresetService, harness.transport("grpc"));
});
afterAll(() => harness?.stop());

const aUser = () => `presets-${randomUUID()}`;
const reasonOf = (error: ConnectError) => error.findDetails(ErrorInfoSchema)[0]?.reason;

describe("a user's presets", () => {
  it("are created, listed by name, renamed, changed and deleted", async () => {
    const userId = aUser();
    const pirate = await presets.createPreset({
      userId,
      name: "  Pirate  ",
      instructions: "Talk like a pirate.",
    });
    expect(pirate.preset).toMatchObject({
      name: "Pirate",
      instructions: "Talk like a pirate.",
      tokenCount: testTokenCounter.count("Talk like a pirate."),
    });
    await presets.createPreset({ userId, name: "Brief", instructions: "Be brief." });
    expect((await presets.listPresets({ userId })).presets.map((p) => p.name)).toEqual(["Brief", "Pirate"]);

    const id = pirate.preset!.id;
    const renamed = await presets.updatePreset({ userId, presetId: id, name: "Corsair" });
    expect(renamed.preset).toMatchObject({ name: "Corsair", instructions: "Talk like a pirate." });
    const changed = await presets.updatePreset({ userId, presetId: id, instructions: "Arr." });
    expect(changed.preset).toMatchObject({
      name: "Corsair",
      instructions: "Arr.",
      tokenCount: testTokenCounter.count("Arr."),
    });

    await presets.deletePreset({ userId, presetId: id });
    expect((await presets.listPresets({ userId })).presets.map((p) => p.name)).toEqual(["Brief"]);
    const gone = await expectCode(presets.deletePreset({ userId, presetId: id }), Code.NotFound);
    expect(reasonOf(gone)).toBe("preset.not_found");
  });

  it("are another user's NOT_FOUND, and never listed for them", async () => {
    const owner = aUser();
    const other = aUser();
    const { preset } = await presets.createPreset({ userId: owner, name: "Mine", instructions: "Mine." });
    const presetId = preset!.id;
    expect((await presets.listPresets({ userId: other })).presets).toEqual([]);
    await expectCode(presets.updatePreset({ userId: other, presetId, name: "Theirs" }), Code.NotFound);
    await expectCode(presets.deletePreset({ userId: other, presetId }), Code.NotFound);
    expect((await presets.listPresets({ userId: owner })).presets.map((p) => p.name)).toEqual(["Mine"]);
  });

  it("are a personal key's own user's; naming another user is PERMISSION_DENIED", async () => {
    const userId = aUser();
    const keys = createClient(ApiKeyService, harness.transport("grpc"));
    const { key } = await keys.createApiKey({ userId, name: "laptop" });
    const withKey = createClient(PresetService, harness.transport("connect-h1", key));
    await withKey.createPreset({ name: "Keyed", instructions: "From a key." });
    expect((await presets.listPresets({ userId })).presets.map((p) => p.name)).toEqual(["Keyed"]);
    const error = await expectCode(withKey.listPresets({ userId: aUser() }), Code.PermissionDenied);
    expect(reasonOf(error)).toBe("key.user_mismatch");
  });
});

describe("bounds", () => {
  it(`holds at most ${maxPresetsPerUser} presets per user: the next is refused, others still served`, async () => {
    const userId = aUser();
    for (let i = 0; i < maxPresetsPerUser; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          presets.createPreset({ userId, name: `Preset ${i + j}`, instructions: "Be kind." }),
        ),
      );
    }
    const error = await expectCode(
      presets.createPreset({ userId, name: "One too many", instructions: "Be kind." }),
      Code.ResourceExhausted,
    );
    expect(reasonOf(error)).toBe("preset.too_many");
    expect(error.findDetails(ErrorInfoSchema)[0]?.metadata).toEqual({ limit: "100" });
    expect((await presets.listPresets({ userId })).presets).toHaveLength(maxPresetsPerUser);
    await presets.createPreset({ userId: aUser(), name: "Someone else's", instructions: "Fine." });
  });

  it("counts exactly when one user creates many at once", async () => {
    const userId = aUser();
    await Promise.all(
      Array.from({ length: maxPresetsPerUser - 2 }, (_, i) =>
        presets.createPreset({ userId, name: `P${i}`, instructions: "x" }),
      ),
    );
    const racing = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        presets.createPreset({ userId, name: `Race ${i}`, instructions: "x" }),
      ),
    );
    expect(racing.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect((await presets.listPresets({ userId })).presets).toHaveLength(maxPresetsPerUser);
  });

  it("keeps names unique per user (ALREADY_EXISTS), case-insensitively, on create and rename", async () => {
    const userId = aUser();
    await presets.createPreset({ userId, name: "Pirate", instructions: "Arr." });
    const { preset } = await presets.createPreset({ userId, name: "Brief", instructions: "Short." });
    const taken = await expectCode(
      presets.createPreset({ userId, name: "pirate", instructions: "Again." }),
      Code.AlreadyExists,
    );
    expect(reasonOf(taken)).toBe("preset.name_taken");
    await expectCode(
      presets.updatePreset({ userId, presetId: preset!.id, name: "PIRATE" }),
      Code.AlreadyExists,
    );
    await presets.createPreset({ userId: aUser(), name: "Pirate", instructions: "Another user's." });
  });

  it.each([
    ["a blank name", { name: "  ", instructions: "x" }, "argument.invalid"],
    ["a name over 100 characters", { name: "n".repeat(101), instructions: "x" }, "argument.invalid"],
    ["blank instructions", { name: "Empty", instructions: " \n " }, "argument.invalid"],
    [
      "instructions over the byte cap",
      { name: "Big", instructions: "é".repeat(501) },
      "instructions.too_long",
    ],
    [
      "instructions over the token cap",
      { name: "Long", instructions: `a${" a".repeat(100)}` },
      "instructions.too_long",
    ],
  ])("refuses %s with INVALID_ARGUMENT", async (_, fields, reason) => {
    const userId = aUser();
    const error = await expectCode(presets.createPreset({ userId, ...fields }), Code.InvalidArgument);
    expect(reasonOf(error)).toBe(reason);
    expect((await presets.listPresets({ userId })).presets).toEqual([]);
  });

  it("refuses a malformed preset id", async () => {
    const error = await expectCode(
      presets.deletePreset({ userId: aUser(), presetId: "not-an-id" }),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toBe('preset_id "not-an-id" is not a valid id (a UUID is expected)');
  });
});
