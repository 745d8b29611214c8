/** Export and import bound to their dependencies: what the protocol adapters call. */
import type { Clock, IdGenerator, TokenCounter } from "../ports.js";
import { exportChats, type ExportChatsInput } from "./export-chats.js";
import { importChats, type ImportChatsInput } from "./import-chats.js";
import { createImportGate, type ImportLimits } from "./import-limits.js";
import type { TransferStore } from "./transfer-store.js";

export interface TransferDeps {
  store: TransferStore;
  tokenCounter: TokenCounter;
  clock: Clock;
  newId: IdGenerator;
  limits: ImportLimits;
  defaultModel: string;
  maxMessageBytes: number;
}

export function createTransferUseCases(deps: TransferDeps) {
  const importDeps = { ...deps, gate: createImportGate(deps.limits.maxConcurrent) };
  return {
    exportChats: (input: ExportChatsInput) => exportChats(deps, input),
    importChats: (input: ImportChatsInput) => importChats(importDeps, input),
  };
}
