/**
 * Child process of zero-gc.test.ts: warm up until steady, then count garbage collections
 * (PerformanceObserver 'gc' entries) during 10,000 pings and 10,000 UDP echoes.
 * Prints one JSON line. Run with --expose-gc and a small young generation.
 */
import { createWorkload } from '../../bench/steady-state.js';
import { countGcs, warmUp } from '../../tools/alloc/gc.js';

const N = Number(process.env.ZERO_GC_N || 10000);
const w = createWorkload(115200);
const batches = warmUp(function () { w.pings(500); w.udpEchoes(500); }, 60);
countGcs(function () { return [w.pings(N), w.udpEchoes(N)]; }).then(function (r) {
  const got = r.result as number[];
  process.stdout.write(JSON.stringify({ warmBatches: batches, pings: got[0], echoes: got[1], gcs: r.gcs, kinds: r.kinds }) + '\n');
});
