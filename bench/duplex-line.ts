/**
 * `npm run bench:duplex`: two slipstacks move data both ways over one connection on the
 * simulated 115200-baud line, on the virtual clock: 1 MB each way at MTU 68 (MSS 28, rings
 * 112 octets) with 10% loss, 5% duplication and 10% reordering, over 20 seeds (the runs of
 * test/tcp/duplex.test.ts). Prints per seed: the outcome, the goodput each way, the virtual
 * time, retransmissions and timeouts, the link's faults, and the host CPU time it took.
 * `--size N` and `--seeds N` change the size and the number of seeds.
 */
import { parseArgs } from 'node:util';
import { duplex, BAD_LINE } from './duplex.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '1000000' }, seeds: { type: 'string', default: '20' } } });
const size = Number(values.size);
const seeds = Number(values.seeds);
console.log(`${size} octets each way, MTU 68, 115200 baud, latency 5 ms, loss 10%, duplication 5%, reordering 10%`);
let okRuns = 0;
let cpuTotal = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const t = performance.now();
  const r = duplex(size, size, { mtu: 68, msl: 2000 }, { ...BAD_LINE, seed }, 3_600_000);
  const cpu = performance.now() - t;
  cpuTotal += cpu;
  if (r.ok && r.clean) okRuns++;
  console.log(`seed ${seed}: ${r.ok ? 'byte-exact' : 'FAILED'}${r.clean ? '' : ' (table not empty)'}, ` +
    `${Math.round(r.gotB / (r.ms / 1000))} B/s each way in ${(r.ms / 1000).toFixed(1)} s, ` +
    `${r.retransmits} retransmits (${r.timeouts} timeouts), frames lost ${r.lost} duplicated ${r.duplicated} reordered ${r.reordered}, ` +
    `cpu ${(cpu / 1000).toFixed(2)} s`);
}
console.log(`${okRuns}/${seeds} runs byte-exact with empty tables, ${(cpuTotal / 1000).toFixed(1)} s of host CPU`);
