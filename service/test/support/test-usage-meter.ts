/** The usage meter the MySQL repository gets in tests: tiktoken (o200k_base) and the default prices. */
import { createTiktokenTokenCounter } from "../../src/adapters/tiktoken/tiktoken-token-counter.js";
import { createUsageMeter } from "../../src/application/usage/usage-meter.js";

export const testTokenCounter = createTiktokenTokenCounter("o200k_base");
export const testUsageMeter = createUsageMeter(testTokenCounter);
