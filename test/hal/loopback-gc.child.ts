/**
 * Child of loopback.test.ts: 20,000 round trips of a 64-octet frame through the loopback link
 * and Sim (b echoes each 16-octet chunk straight back), after a warm-up, under a GC observer;
 * prints one JSON line. Run in its own process (tools/alloc/child.ts) with a small young
 * generation, so nothing else the test runner does can cause or hide a collection.
 */
import { createLink, Sim } from '../../hal/loopback.js';
import { countGcs, warmUp } from '../../tools/alloc/gc.js';

// tickMs: 1 keeps every time a whole number, which V8 never boxes (see LinkOptions.tickMs).
const link = createLink({ baud: 115200, latencyMs: 1, seed: 5, tickMs: 1, rxChunk: 16 });
const sim = new Sim(link);
const ping = new Uint8Array(64).fill(0x41);
let replies = 0;
let outstanding = false;
let got = 0;
link.b.setReceiver(function (buf, off, len) { link.b.write(buf, off, len); });
link.a.setReceiver(function (_buf, _off, len) {
  got += len;
  if (got === 64) {
    got = 0;
    replies++;
    outstanding = false;
  }
});
sim.add(function (t) {
  if (!outstanding) {
    link.a.write(ping, 0, 64);
    outstanding = true;
  }
  return t + 1000;
});
let target = 0;
function notDone(): boolean { return replies < target; }
function batch(n: number): void {
  target = replies + n;
  sim.runWhile(notDone, 1e12);
}
const warm = warmUp(function () { batch(5000); }, 40);
const framesB = link.stats.framesB;
const start = replies;
countGcs(function () { batch(20000); return replies - start; }).then(function (r) {
  process.stdout.write(JSON.stringify({ warm: warm, replies: r.result, frames: link.stats.framesB - framesB, gcs: r.gcs, kinds: r.kinds }) + '\n');
});
