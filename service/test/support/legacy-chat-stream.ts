/**
 * The original service's client, as its users have it: grpc-js with the legacy `pb.ChatService` proto,
 * for tests of a ChatStream the service refuses.
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Calls ChatStream on `port` and resolves with the error it ends with (rejects if it streams or ends well). */
export async function refusedLegacyChatStream(
  port: number,
  token: string,
  request: { user_id: string; user_message: string },
): Promise<grpc.ServiceError> {
  const definition = protoLoader.loadSync(
    fileURLToPath(new URL("../../../proto/pb/chat.proto", import.meta.url)),
    { keepCase: true },
  );
  const pb = grpc.loadPackageDefinition(definition)["pb"] as grpc.GrpcObject;
  const Service = pb["ChatService"] as grpc.ServiceClientConstructor;
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set("authorization", token);
  const call = (
    client as unknown as { chatStream: (r: object, m: grpc.Metadata) => grpc.ClientReadableStream<unknown> }
  ).chatStream(request, metadata);
  try {
    return await new Promise<grpc.ServiceError>((resolve, reject) => {
      call.on("data", () => reject(new Error("a refused message streamed")));
      call.on("error", resolve);
      call.on("end", () => reject(new Error("no error")));
    });
  } finally {
    client.close();
  }
}
