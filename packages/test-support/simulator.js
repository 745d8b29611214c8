/**
 * The service's OpenAI-compatible simulator (built: `service/dist/simulator/simulator.js`) started in
 * this process, for tests that run the service as a process yet script its model and read what the
 * model received (point the service at it with OPENAI_API_KEY and OPENAI_BASE_URL).
 */
const simulatorModule = new URL("../../service/dist/simulator/simulator.js", import.meta.url).href;

export async function startSimulator(options = {}) {
  const { createSimulator } = await import(simulatorModule);
  const simulator = createSimulator(options);
  await simulator.listen(0, "127.0.0.1");
  return simulator;
}
