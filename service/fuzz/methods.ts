/** The RPCs the fuzzer calls, from the generated descriptors, and how to spot a started reply. */
import { fromBinary, fromJson, type DescMessage, type DescMethod, type JsonValue } from "@bufbuild/protobuf";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { ChatResponseSchema, ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { Health } from "@parley/gen/grpc/health/v1/health_pb";
import type { EventDecoder, StartedReply } from "./wire.js";

export interface Rpc {
  name: string;
  path: string;
  input: DescMessage;
  streaming: boolean;
  /** Whether an accepted call writes to the database (a new message). */
  writes: boolean;
  decodeEvent: EventDecoder;
}

const services = [ChatService, LegacyChatService, Health];

export const rpcs: Rpc[] = services.flatMap((service) =>
  service.methods.map((method) => ({
    name: method.name,
    path: `/${service.typeName}/${method.name}`,
    input: method.input,
    streaming: method.methodKind === "server_streaming",
    writes: ["SendMessage", "RegenerateReply", "EditMessage", "ChatStream"].includes(method.name),
    decodeEvent: eventDecoder(method),
  })),
);

export const rpcNamed = (name: string) => rpcs.find((rpc) => rpc.name === name)!;

function eventDecoder(method: DescMethod): EventDecoder {
  const decode = (payload: Uint8Array, json: boolean, schema: DescMessage) =>
    json
      ? fromJson(schema, JSON.parse(Buffer.from(payload).toString("utf8")) as JsonValue, {
          ignoreUnknownFields: true,
        })
      : fromBinary(schema, payload);
  if (method.output.typeName === ChatResponseSchema.typeName) {
    return (payload, json): StartedReply | null => {
      const { chatId } = decode(payload, json, ChatResponseSchema) as unknown as { chatId: string };
      return { chatId, replyId: "" };
    };
  }
  if (!method.output.fields.some((field) => field.localName === "event")) return () => null;
  return (payload, json) => {
    const { event } = decode(payload, json, method.output) as unknown as {
      event?: { kind: { case: string; value: { chatId: string; replyId: string } } };
    };
    if (event?.kind.case !== "started") return null;
    return { chatId: event.kind.value.chatId, replyId: event.kind.value.replyId };
  };
}
