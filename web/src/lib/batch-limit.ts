/**
 * The most tRPC calls one HTTP request may carry. The browser's batch link splits larger batches, and the
 * BFF refuses a longer one (400) before it looks at the session or calls the service, so one request can
 * never fan out into more than this many service calls. Ten covers every page (a handful of queries at
 * once) with room to spare.
 */
export const maxBatchSize = 10;
