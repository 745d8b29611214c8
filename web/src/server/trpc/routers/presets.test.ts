/**
 * The presets router and the chat router's instructions against fake services (Connect's router
 * transport): every call is made for the session's user, null instructions mean "the default" (the
 * field is left out), "" means none, and bad input never reaches the service. The browser test
 * (test/e2e/instructions.e2e.test.ts) proves it end to end.
 */
import { create } from "@bufbuild/protobuf";
import {
  GetChatResponseSchema,
  SetChatInstructionsResponseSchema,
  type SetChatInstructionsRequest,
} from "@parley/gen/parley/chat/v1/chat_pb";
import {
  CreatePresetResponseSchema,
  ListPresetsResponseSchema,
  UpdatePresetResponseSchema,
} from "@parley/gen/parley/presets/v1/presets_pb";
import { describe, expect, it } from "vitest";
import {
  createFakeChatService,
  createFakePresetService,
  fakeServiceCaller,
} from "../../../../test/support/fake-chat-service";
import { rejection } from "../../../../test/support/trpc-probes";

const chatId = "0190f5b2-7f00-7000-8000-000000000001";
const presetId = "0190f5b2-7f00-7000-8000-000000000002";
const preset = { id: presetId, name: "Pirate", instructions: "Arr.", tokenCount: 2 };

describe("presets router → PresetService", () => {
  it("lists, creates, renames and deletes as the signed-in user", async () => {
    const fake = createFakePresetService({
      listPresets: () => create(ListPresetsResponseSchema, { presets: [preset] }),
      createPreset: (request) =>
        create(CreatePresetResponseSchema, { preset: { ...preset, name: request.name } }),
      updatePreset: (request) =>
        create(UpdatePresetResponseSchema, { preset: { ...preset, name: request.name ?? preset.name } }),
      deletePreset: () => ({}),
    });
    const caller = await fakeServiceCaller(createFakeChatService({}).chat, "alice", undefined, {
      presets: fake.presets,
    });

    expect(await caller.presets.list()).toEqual([preset]);
    expect(await caller.presets.create({ name: " Pirate ", instructions: "Arr." })).toEqual(preset);
    expect(await caller.presets.update({ presetId, name: "Corsair" })).toEqual({
      ...preset,
      name: "Corsair",
    });
    expect(await caller.presets.delete({ presetId })).toEqual({ presetId });
    expect(fake.calls.map(({ method, request }) => [method, request])).toMatchObject([
      ["listPresets", { userId: "web:alice" }],
      ["createPreset", { userId: "web:alice", name: "Pirate", instructions: "Arr." }],
      ["updatePreset", { userId: "web:alice", presetId, name: "Corsair" }],
      ["deletePreset", { userId: "web:alice", presetId }],
    ]);
  });

  it("refuses blank instructions, a blank name and a signed-out caller before the service", async () => {
    const fake = createFakePresetService({});
    const caller = await fakeServiceCaller(createFakeChatService({}).chat, "alice", undefined, {
      presets: fake.presets,
    });
    expect((await rejection(caller.presets.create({ name: "x", instructions: "  " }))).code).toBe(
      "BAD_REQUEST",
    );
    expect((await rejection(caller.presets.create({ name: " ", instructions: "x" }))).code).toBe(
      "BAD_REQUEST",
    );
    const anonymous = await fakeServiceCaller(createFakeChatService({}).chat, null, undefined, {
      presets: fake.presets,
    });
    expect((await rejection(anonymous.presets.list())).code).toBe("UNAUTHORIZED");
    expect(fake.calls).toEqual([]);
  });
});

describe("chat router → instructions", () => {
  it("sets them (null: the default, so the field is left out) and reads them with the chat", async () => {
    const requests: SetChatInstructionsRequest[] = [];
    const fake = createFakeChatService({
      setChatInstructions: (request) => {
        requests.push(request);
        return create(SetChatInstructionsResponseSchema, {
          chat: {
            id: chatId,
            title: "t",
            customInstructions: request.instructions !== undefined,
            ...(request.instructions !== undefined && { instructions: request.instructions }),
          },
        });
      },
      getChat: () =>
        create(GetChatResponseSchema, {
          chat: { id: chatId, title: "t", instructions: "", customInstructions: true },
        }),
    });
    const caller = await fakeServiceCaller(fake.chat, "alice");

    expect(await caller.chat.setInstructions({ chatId, instructions: "Be brief." })).toMatchObject({
      instructions: "Be brief.",
      chat: { customInstructions: true },
    });
    expect(await caller.chat.setInstructions({ chatId, instructions: null })).toMatchObject({
      instructions: null,
      chat: { customInstructions: false },
    });
    expect(requests.map((r) => r.instructions)).toEqual(["Be brief.", undefined]);
    expect((await caller.chat.get({ chatId })).instructions).toBe("");
  });
});
