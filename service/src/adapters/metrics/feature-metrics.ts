/**
 * Metrics of the features around the replies: generated titles by outcome, search durations, imports by
 * source and outcome, and per-user limits that refused a WhatsApp message (RPC refusals are counted by
 * the RPC interceptor). Each wraps one function or gives one hook; with metrics off all pass through.
 */
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { SearchChatsInput, SearchResults } from "../../application/search/search-chats.js";
import type { TitleOutcome } from "../../application/titles/title-writer.js";
import type { ImportChatsInput, ImportReport } from "../../application/transfer/import-chats.js";
import { DomainError } from "../../domain/errors.js";
import type { ServiceMetrics } from "./service-metrics.js";

type WhatsAppUseCases = Pick<ChatUseCases, "sendMessage" | "regenerateReply" | "stopReply">;

export interface FeatureMetrics {
  titleOutcome: ((outcome: TitleOutcome) => void) | undefined;
  search(
    search: (input: SearchChatsInput) => Promise<SearchResults>,
  ): (input: SearchChatsInput) => Promise<SearchResults>;
  imports(
    importChats: (input: ImportChatsInput) => Promise<ImportReport>,
  ): (input: ImportChatsInput) => Promise<ImportReport>;
  whatsApp(useCases: WhatsAppUseCases): WhatsAppUseCases;
}

const passThrough: FeatureMetrics = {
  titleOutcome: undefined,
  search: (search) => search,
  imports: (importChats) => importChats,
  whatsApp: (useCases) => useCases,
};

export function featureMetrics(metrics: ServiceMetrics | undefined): FeatureMetrics {
  if (!metrics) return passThrough;
  return {
    titleOutcome: (outcome) => metrics.titles.inc({ outcome }),
    search: (search) => async (input) => {
      const startedAt = performance.now();
      let outcome = "error";
      try {
        const results = await search(input);
        outcome = "ok";
        return results;
      } finally {
        metrics.searchDuration.observe({ outcome }, (performance.now() - startedAt) / 1000);
      }
    },
    imports: (importChats) => async (input) => {
      let report: ImportReport;
      try {
        report = await importChats(input);
      } catch (error) {
        metrics.imports.inc({ source: "unknown", outcome: importErrorOutcome(error) });
        throw error;
      }
      const source = report.sourceFormat === "chatgpt" ? "chatgpt" : "parley";
      metrics.imports.inc({ source, outcome: "ok" });
      for (const chat of report.chats) metrics.importedChats.inc({ source, outcome: chat.outcome });
      return report;
    },
    whatsApp: (useCases) => {
      const countingLimits =
        <I>(start: (input: I) => ReturnType<WhatsAppUseCases["sendMessage"]>) =>
        async (input: I) => {
          try {
            return await start(input);
          } catch (error) {
            if (error instanceof DomainError && error.code.startsWith("limit."))
              metrics.limitsHit.inc({ limit: error.code.slice("limit.".length) });
            throw error;
          }
        };
      return {
        sendMessage: countingLimits((input) => useCases.sendMessage(input)),
        regenerateReply: countingLimits((input) => useCases.regenerateReply(input)),
        stopReply: (input) => useCases.stopReply(input),
      };
    },
  };
}

/** `import_invalid`, `import_busy`, or `other` (a closed set). */
function importErrorOutcome(error: unknown): string {
  if (error instanceof DomainError && (error.code === "import.invalid" || error.code === "import.busy"))
    return error.code.replace(".", "_");
  return "other";
}
