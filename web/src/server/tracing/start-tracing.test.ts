import { describe, expect, it } from "vitest";
import { startWebTracing } from "./start-tracing";

describe("web tracing", () => {
  it("is off, and starts nothing, without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    expect(await startWebTracing({})).toBeNull();
    expect(await startWebTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: "  " })).toBeNull();
  });

  it("refuses an endpoint that is not an http(s) URL, naming the variable", async () => {
    await expect(startWebTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: "jaeger:4318" })).rejects.toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
