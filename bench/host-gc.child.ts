/** Child of bench/host.ts: garbage collections during a 10 MB transfer after warm-up. Prints one JSON line. */
import { createHostSession } from './host-session.js';
import { countGcs, warmUp } from '../tools/alloc/gc.js';

const s = createHostSession();
const batches = warmUp(function () { s.transfer(1 << 20); }, 40);
countGcs(function () { return s.transfer(10 << 20); }).then(function (r) {
  process.stdout.write(JSON.stringify({ warmBatches: batches, bytes: r.result, gcs: r.gcs, kinds: r.kinds }) + '\n');
});
