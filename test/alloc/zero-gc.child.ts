/**
 * Child process of zero-gc.test.ts: warm up, collect, then count garbage collections
 * (PerformanceObserver 'gc' entries) during 10,000 pings and 10,000 UDP echoes.
 * Prints one JSON line. Run with --expose-gc and a small young generation.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { createWorkload } from './steady-state.js';

const N = Number(process.env.ZERO_GC_N || 10000);
const w = createWorkload(115200);
// Warm-up: let V8 compile and settle every path, then start from an empty young generation.
w.pings(2000);
w.udpEchoes(2000);
(globalThis as { gc?: () => void }).gc!();

const kinds: string[] = [];
let start = Infinity;
const obs = new PerformanceObserver(function (list) {
  for (const e of list.getEntries()) if (e.startTime >= start) kinds.push(String((e as { detail?: { kind?: number } }).detail?.kind));
});
obs.observe({ entryTypes: ['gc'] });
setTimeout(function () {
  start = performance.now();
  const pings = w.pings(N);
  const echoes = w.udpEchoes(N);
  const end = performance.now();
  // Give the observer a turn to deliver any entries from the measured window.
  setTimeout(function () {
    obs.disconnect();
    process.stdout.write(JSON.stringify({ pings: pings, echoes: echoes, gcs: kinds.length, kinds: kinds, ms: end - start }) + '\n');
  }, 50);
}, 50);
