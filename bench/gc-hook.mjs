// Preloaded into the exporter by bench/soak.mjs (node --expose-gc --import bench/gc-hook.mjs):
// on SIGUSR2, collect garbage and print the memory left, so leak figures are post-GC, not noise.
// The product code is unchanged; this only adds a signal handler.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(
    `${JSON.stringify({
      gcSample: {
        at: Date.now(),
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        rss: m.rss,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      },
    })}\n`,
  );
});
