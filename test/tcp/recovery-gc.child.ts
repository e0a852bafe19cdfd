/**
 * Child of sack.test.ts: bulk transfers over a paced line losing 5% of the frames each way
 * (virtual time), so that every loss-recovery path runs: fast retransmit, SACK blocks both
 * ways, hole retransmissions, lost retransmissions, timeouts. Warm up, then measure under a
 * GC observer; prints one JSON line with the GC count and what the sender's counters did.
 */
import { createHostSession } from '../../bench/host-session.js';
import { countGcs, warmUp } from '../../tools/alloc/gc.js';
import * as stats from '../../src/stats.js';

const s = createHostSession({ baud: 115200, latencyMs: 1, loss: 0.05, mtu: 296, rings: 4096, tcpAckDelay: 40 });
const c = s.counters;
const batches = warmUp(function () { s.transfer(64 << 10); }, 60);
const before = [c[stats.CNT_TCP_FAST_RETRANSMITS], c[stats.CNT_TCP_SACK_RETRANSMITS], c[stats.CNT_TCP_LOST_RETRANSMITS], c[stats.CNT_TCP_RTO_TIMEOUTS]];
countGcs(function () { return s.transfer(512 << 10); }).then(function (r) {
  process.stdout.write(JSON.stringify({
    warmBatches: batches, got: r.result, gcs: r.gcs, kinds: r.kinds,
    fast: c[stats.CNT_TCP_FAST_RETRANSMITS] - before[0], sack: c[stats.CNT_TCP_SACK_RETRANSMITS] - before[1],
    lost: c[stats.CNT_TCP_LOST_RETRANSMITS] - before[2], rto: c[stats.CNT_TCP_RTO_TIMEOUTS] - before[3],
  }) + '\n');
});
