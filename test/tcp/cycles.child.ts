/** Child of cycles.test.ts: warm up, then 1,000 cycles under a GC observer; prints one JSON line. */
import { createCycles } from './cycles.js';
import { countGcs, warmUp } from '../../tools/alloc/gc.js';

const N = Number(process.env.CYCLES_N || 1000);
const w = createCycles(200);
let warm = 0;
const batches = warmUp(function () { warm += w.run(50); }, 60);
countGcs(function () { return w.run(N); }).then(function (r) {
  const timeWaits = w.timeWaits();
  const left = w.drain();
  process.stdout.write(JSON.stringify({ warm: warm, warmBatches: batches, cycles: r.result, gcs: r.gcs, kinds: r.kinds, timeWaitsBeforeDrain: timeWaits, leftAfterDrain: left }) + '\n');
});
