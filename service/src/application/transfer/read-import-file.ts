/**
 * An import file from bytes to candidates: bounded while it arrives, decoded as UTF-8, parsed as JSON,
 * and recognised as a Parley export (an object with `"format": "parley.chats"`) or ChatGPT's
 * `conversations.json` (an array of conversations).
 */
import { importInvalid } from "../../domain/errors.js";
import { readChatGptExport } from "./chatgpt-import.js";
import { parleyExportFormat } from "./export-json.js";
import { isObject, type ImportCandidate } from "./import-shape.js";
import { readParleyExport } from "./parley-import.js";

export type SourceFormat = typeof parleyExportFormat | "chatgpt";

/** Gathers the file's chunks, refusing it as soon as it passes `maxBytes`. */
export async function collectFile(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > maxBytes) throw importInvalid("", `the file is larger than ${maxBytes} bytes`);
    parts.push(chunk);
  }
  if (size === 0) throw importInvalid("", "the file is empty");
  const file = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}

export function readImportFile(bytes: Uint8Array): { format: SourceFormat; chats: ImportCandidate[] } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw importInvalid("", "the file is not UTF-8 text");
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw importInvalid(
      "",
      `the file is not valid JSON (${error instanceof Error ? error.message.slice(0, 200) : "syntax error"})`,
    );
  }
  if (Array.isArray(document)) return { format: "chatgpt", chats: readChatGptExport(document) };
  if (isObject(document) && document["format"] === parleyExportFormat)
    return { format: parleyExportFormat, chats: readParleyExport(document) };
  if (isObject(document) && typeof document["format"] === "string")
    throw importInvalid(
      "format",
      `"${document["format"].slice(0, 40)}" is not a format this service reads (${parleyExportFormat})`,
    );
  throw importInvalid(
    "",
    `the file is neither a Parley JSON export (an object with "format": "${parleyExportFormat}") nor ChatGPT's conversations.json (an array of conversations)`,
  );
}
