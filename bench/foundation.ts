/**
 * `npm run bench`: the foundation's figures, then one JSON line holding all of them.
 *
 * - ping RTT on the simulated 115200-baud line against the link model's prediction;
 * - host CPU time per ping round trip (both stacks and the link model, no line delay);
 * - the board bundles' sizes, raw and gzip (dist/, built by build.mjs);
 * - the ramBudget() of the default firmware configuration.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStart, START_DEFAULTS } from '../tools/start.js';
import { ramReport } from '../src/config.js';
import { createWorkload } from './steady-state.js';
import { createStack } from '../src/stack.js';
import { DEFAULT_CONFIG } from '../firmware/app.js';

const out: Record<string, unknown> = {};
const tmp = mkdtempSync(join(tmpdir(), 'slipstack-bench-'));
try {
  // 1. RTT against the model, for a 64-byte ICMP message and for a full 296-octet packet.
  for (const size of [56, 268]) {
    const r = await runStart({ ...START_DEFAULTS, count: 10, size: size, pcap: join(tmp, 'b.pcap') }, function () {});
    const rtt = r.pings.reduce((a, p) => a + p.rtt, 0) / r.pings.length;
    const model = r.pings.reduce((a, p) => a + p.model, 0) / r.pings.length;
    const key = 'ping' + (size + 8);
    out[key + 'RttMs'] = +rtt.toFixed(3);
    out[key + 'ModelMs'] = +model.toFixed(3);
    console.log(`ping ${size + 8}-byte ICMP @115200 baud, latency ${START_DEFAULTS.latency} ms: rtt ${rtt.toFixed(3)} ms, link model ${model.toFixed(3)} ms (${(100 * rtt / model).toFixed(1)}%)`);
  }

  // 2. Host CPU per round trip on an unthrottled line (the link model still runs).
  const w = createWorkload(1e12);
  w.pings(5000);
  const N = 50000;
  const c0 = process.cpuUsage();
  const got = w.pings(N);
  const c1 = process.cpuUsage(c0);
  const usPerPing = (c1.user + c1.system) / N;
  out.hostCpuUsPerPing = +usPerPing.toFixed(2);
  console.log(`host CPU per ping round trip (both stacks + link model): ${usPerPing.toFixed(2)} µs (${got}/${N} replies)`);

  // 3. Bundle sizes.
  for (const name of ['espruino', 'kaluma']) {
    const code = readFileSync(join('dist', name + '.js'));
    const gz = gzipSync(code, { level: 9 }).length;
    out[name + 'Bytes'] = code.length;
    out[name + 'GzipBytes'] = gz;
    console.log(`dist/${name}.js: ${code.length} bytes, ${gz} gzip`);
  }

  // 4. RAM budget of the default firmware configuration.
  const stack = createStack(DEFAULT_CONFIG, { write() {}, setReceiver() {}, now: () => 0, random32: () => 1 });
  out.firmwareRamBytes = stack.ramBudget();
  console.log(`ramBudget() of the default firmware config (mtu ${stack.config.mtu}, ${stack.config.udpPorts} UDP ports): ${stack.ramBudget()} bytes = ` +
    ramReport(stack.config).filter(([, b]) => b > 0).map(([n, b]) => `${n} ${b}`).join(' + '));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
