/**
 * The BFF's client of the service's TransferService (export and import), with the service token and the
 * session's user, as for ChatService. Its own transport: exports are long downloads, kept off the chat
 * client's HTTP/2 session.
 */
import "server-only";
import { createClient, type Client } from "@connectrpc/connect";
import { TransferService } from "@parley/gen/parley/transfer/v1/transfer_pb";
import { createServiceTransport, type ChatServiceClientOptions } from "./chat-service-client";

export type TransferServiceClient = Client<typeof TransferService>;

export function createTransferServiceClient(options: ChatServiceClientOptions): TransferServiceClient {
  return createClient(TransferService, createServiceTransport(options));
}
