/**
 * Count V8 garbage collections (PerformanceObserver 'gc' entries) while a function runs, after
 * a forced collection. Runs inside the child processes (--expose-gc) of the zero-allocation tests
 * and of `npm run bench:host`.
 */
/** Count GC entries while f runs; resolves after the observer had its turn to report. */
export function countGcs(f: () => unknown): Promise<{ result: unknown; gcs: number; kinds: string[] }> {
  return import('node:perf_hooks').then(function (ph) {
    const kinds: string[] = [];
    let start = Infinity;
    const obs = new ph.PerformanceObserver(function (list) {
      for (const e of list.getEntries()) if (e.startTime >= start) kinds.push(String((e as { detail?: { kind?: number } }).detail?.kind));
    });
    obs.observe({ entryTypes: ['gc'] });
    (globalThis as { gc?: () => void }).gc!();
    return new Promise(function (resolve) {
      setTimeout(function () {
        start = ph.performance.now();
        const result = f();
        setTimeout(function () {
          obs.disconnect();
          resolve({ result: result, gcs: kinds.length, kinds: kinds });
        }, 50);
      }, 50);
    });
  });
}

/**
 * Run `batch` until one run of it leaves the heap no bigger (within 1 KiB of noise: reading
 * the heap size itself allocates a few hundred octets) with no collection in between: V8 has
 * then compiled the steady-state path. On a loaded machine
 * the optimizing compiler runs late, and code still in the interpreter boxes numbers; a fixed
 * warm-up count would measure that instead of the stack. Returns the batches it took.
 */
export function warmUp(batch: () => void, maxBatches: number): number {
  for (let k = 1; k <= maxBatches; k++) {
    const before = process.memoryUsage().heapUsed;
    batch();
    const grew = process.memoryUsage().heapUsed - before;
    if (grew >= 0 && grew <= 1024) return k;
  }
  return maxBatches;
}
