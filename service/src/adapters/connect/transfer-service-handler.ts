/**
 * `parley.transfer.v1.TransferService` over the export and import use cases. Export streams the file's
 * chunks as the use case produces them; import reads the request stream's chunks (the first names the
 * user) into the use case, which bounds the file. Errors are mapped by the error interceptor; the auth
 * interceptor guards both RPCs, and a personal key acts as its own user.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ExportFormat,
  ImportOutcome,
  TransferService,
  type ImportChatsRequest,
} from "@parley/gen/parley/transfer/v1/transfer_pb";
import type { ExportChatsInput, ExportChunk } from "../../application/transfer/export-chats.js";
import type {
  ImportChatsInput,
  ImportOutcome as Outcome,
  ImportReport,
} from "../../application/transfer/import-chats.js";
import { invalidArgument } from "../../domain/errors.js";
import { asActingUser } from "./caller-context.js";

/** What the handler needs: the use cases, bound to their dependencies. */
export interface TransferUseCases {
  exportChats(input: ExportChatsInput): Promise<AsyncIterable<ExportChunk>>;
  importChats(input: ImportChatsInput): Promise<ImportReport>;
}

const formats = {
  [ExportFormat.JSON]: "json",
  [ExportFormat.MARKDOWN]: "markdown",
} as const;

const outcomes: Record<Outcome, ImportOutcome> = {
  imported: ImportOutcome.IMPORTED,
  already_imported: ImportOutcome.ALREADY_IMPORTED,
  skipped_empty: ImportOutcome.SKIPPED_EMPTY,
};

export function createTransferServiceHandler(
  useCases: TransferUseCases,
): ServiceImpl<typeof TransferService> {
  return {
    async *exportChats(request, context) {
      const { userId } = asActingUser(request, context);
      const format = request.format in formats ? formats[request.format as keyof typeof formats] : null;
      const chunks = await useCases.exportChats({ userId, chatId: request.chatId || null, format });
      for await (const chunk of chunks) {
        yield { data: chunk.data, contentType: chunk.contentType ?? "", fileName: chunk.fileName ?? "" };
      }
    },
    async importChats(requests, context) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) throw invalidArgument("send the file in at least one ImportChatsRequest");
      const { userId } = asActingUser(first.value, context);
      const report = await useCases.importChats({ userId, file: fileChunks(first.value, iterator) });
      return {
        sourceFormat: report.sourceFormat,
        chats: report.chats.map((chat) => ({
          sourceChatId: chat.sourceChatId,
          title: chat.title,
          outcome: outcomes[chat.outcome],
          chatId: chat.chatId ?? "",
          messageCount: chat.messageCount,
          skippedMessages: chat.skippedMessages,
        })),
        importedChats: report.importedChats,
        importedMessages: report.importedMessages,
      };
    },
  };
}

/** The chunks' bytes; a later chunk naming another user than the first is refused. */
async function* fileChunks(
  first: ImportChatsRequest,
  rest: AsyncIterator<ImportChatsRequest>,
): AsyncIterable<Uint8Array> {
  yield first.data;
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    if (next.value.userId !== "" && next.value.userId !== first.userId)
      throw invalidArgument("every ImportChatsRequest must name the same user_id as the first (or none)");
    yield next.value.data;
  }
}
