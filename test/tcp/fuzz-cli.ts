/**
 * `npm run fuzz -- --episodes N --seed S [--steps M] [--path P]`: the TCP state fuzzer of
 * test/tcp/fuzz.ts, for as many episodes as asked (the test suite runs a bounded number).
 * Prints the episodes, steps and segments run, the states and transitions reached, the
 * longest time a slot took to come free after its peer fell silent (by the state it was in),
 * and, on a failure, the seed and path that replay it (fast-check shrinks the episode to a
 * short one first) with the broken invariant and the episode itself.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { runEpisode, episodeArb, newCoverage } from './fuzz.js';
import { STATE_NAMES } from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';

const { values } = parseArgs({
  options: {
    episodes: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    steps: { type: 'string', default: '200' },
    path: { type: 'string' },
    trace: { type: 'boolean', default: false },
  },
});
const episodes = Number(values.episodes);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 0x7fffffff;
const steps = Number(values.steps);
if (!(episodes >= 1) || !Number.isInteger(seed) || !(steps >= 1)) {
  console.error('fuzz: --episodes and --steps must be positive, --seed an integer');
  process.exit(2);
}
const cov = newCoverage();
const t0 = performance.now();
const r = fc.check(fc.property(episodeArb(steps), (ep) => { runEpisode(ep, cov); }), {
  seed, numRuns: episodes, path: values.path, endOnFailure: values.path !== undefined,
});
const s = (performance.now() - t0) / 1000;
console.log(`fuzz: seed ${seed}, ${cov.episodes} episodes of up to ${steps} steps, ${cov.steps} steps, ` +
  `${cov.segmentsIn} segments in, ${cov.segmentsOut} out, ${cov.appCalls} application calls (${cov.misuse} misuse refused), ${s.toFixed(1)} s`);
console.log('states reached: ' + STATE_NAMES.filter((_, i) => cov.states & (1 << i)).join(', '));
console.log(`transitions seen: ${cov.transitions.size}: ${[...cov.transitions].sort().join(' ')}`);
console.log('silent peer, longest time to a free slot by state: ' +
  cov.silentMax.map((v, i) => (v > 0 ? `${STATE_NAMES[i]} ${(v / 1000).toFixed(1)} s` : '')).filter((x) => x).join(', '));
const cnt = (k: number) => cov.counters[k] ?? 0;
console.log(`stack events: ${cnt(stats.CNT_TCP_RTO_TIMEOUTS)} RTOs, ${cnt(stats.CNT_TCP_FAST_RETRANSMITS)} fast retransmits, ` +
  `${cnt(stats.CNT_TCP_SACK_RETRANSMITS)} SACK retransmits, ${cnt(stats.CNT_TCP_WINDOW_PROBES)} window probes, ` +
  `${cnt(stats.CNT_TCP_KEEPALIVE_PROBES)} keepalive probes, ${cnt(stats.CNT_TCP_TIMEOUTS)} timeouts, ${cnt(stats.CNT_TCP_CHALLENGE_ACKS)} challenge ACKs, ` +
  `${cnt(stats.CNT_SYN_COOKIES_SENT)} SYN cookies (${cnt(stats.CNT_SYN_COOKIES_OK)} returned), ${cnt(stats.CNT_TCP_RST_SENT)} RSTs`);
if (r.failed && values.trace && r.counterexample !== null) {
  // Replay the (shrunk) episode with every segment, call and clock move printed.
  try { runEpisode(r.counterexample[0], newCoverage(), (line) => console.log(line)); } catch (e) { console.log('  => ' + String(e)); }
}
if (r.failed) {
  console.log(`FAILED: seed ${r.seed}, path ${r.counterexamplePath} (replay: npm run fuzz -- --seed ${r.seed} --path ${r.counterexamplePath} --steps ${steps})`);
  console.log(String(r.errorInstance instanceof Error ? r.errorInstance.stack : r.errorInstance));
  console.log('episode: ' + JSON.stringify(r.counterexample));
  process.exit(1);
}
