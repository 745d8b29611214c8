/**
 * Export and import over a real TransferService client: the export's chunks put back together, and an
 * import sent in chunks small enough for the server's request size.
 */
import { createClient, type Client } from "@connectrpc/connect";
import { ExportFormat, TransferService } from "@parley/gen/parley/transfer/v1/transfer_pb";
import type { RowDataPacket } from "mysql2/promise";
import type { Harness, Protocol } from "./parley-harness.js";

export type TransferClient = Client<typeof TransferService>;

export function transferClient(harness: Harness, protocol: Protocol = "grpc"): TransferClient {
  return createClient(TransferService, harness.transport(protocol));
}

export interface ExportedFile {
  text: string;
  contentType: string;
  fileName: string;
  chunkSizes: number[];
}

export async function exportFile(
  client: TransferClient,
  userId: string,
  format: ExportFormat,
  chatId = "",
): Promise<ExportedFile> {
  const chunks: Uint8Array[] = [];
  let contentType = "";
  let fileName = "";
  for await (const chunk of client.exportChats({ userId, chatId, format })) {
    if (chunks.length === 0) ({ contentType, fileName } = chunk);
    chunks.push(chunk.data);
  }
  return {
    text: Buffer.concat(chunks).toString("utf8"),
    contentType,
    fileName,
    chunkSizes: chunks.map((chunk) => chunk.length),
  };
}

/** Sends `file` in chunks of `chunkBytes` (the first names the user). */
export function importFile(
  client: TransferClient,
  userId: string,
  file: string | Uint8Array,
  chunkBytes = 32 * 1024,
) {
  const bytes = typeof file === "string" ? Buffer.from(file, "utf8") : file;
  async function* requests() {
    for (let start = 0; start === 0 || start < bytes.length; start += chunkBytes) {
      yield { userId: start === 0 ? userId : "", data: bytes.subarray(start, start + chunkBytes) };
    }
  }
  return client.importChats(requests());
}

/** Rows of `chat_imports` for a user. */
export async function importRecords(harness: Harness, userId: string): Promise<number> {
  const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM chat_imports WHERE user_id = ?",
    [userId],
  );
  return Number(row?.["n"]);
}
