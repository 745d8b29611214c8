// Plain JavaScript with a hand-written index.d.ts, so the service's tests (vitest), the web app's tests
// (vitest) and the bench (plain node) can all use it without a build step.
export { bearerAuth } from "./bearer-auth.js";
export { testServerUrl } from "./test-server-url.js";
export { serviceMainScript, startServiceProcess } from "./service-process.js";
export { startTcpProxy } from "./tcp-proxy.js";
export { startSimulator } from "./simulator.js";
export {
  declaredSeriesNames,
  labelSets,
  metricNames,
  parseSamples,
  sampleKey,
  value,
} from "./prometheus-text.js";
export { startOtlpReceiver } from "./otlp-receiver.js";
