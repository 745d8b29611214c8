/** Memory of this process after a full GC (needs `--expose-gc`; without it, as it is). */
export async function measureMemory() {
  const collect = globalThis.gc;
  if (collect) {
    for (let i = 0; i < 3; i++) {
      collect();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers, collected: Boolean(collect) };
}
