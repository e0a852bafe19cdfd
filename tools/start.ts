/**
 * The main job (`npm start` with no board): a simulated board behind a serial line.
 *
 * The board runs the firmware's demo app (firmware/app.ts) on one stack; the host side runs
 * a second stack. The two are joined by the loopback link model (hal/loopback.ts) on a
 * virtual clock, so the run is instantaneous and deterministic by seed, and every RTT it
 * prints can be checked against the link model: a frame of F octets takes F·10/baud
 * seconds on the wire, each way, plus the one-way latency. The sequence itself (pings, UDP
 * echo, HTTP over TCP, capture) is tools/main-job.ts, shared with the run against a real
 * board (tools/start-port.ts).
 *
 * Host-only (uses Node's fs); returns its results so tests can check them.
 */
import { createLink, Sim } from '../hal/loopback.js';
import { createStack } from '../src/stack.js';
import { formatAddr, parseAddr } from '../src/wire/ipv4.js';
import { startApp, DEFAULT_CONFIG, ECHO_PORT } from '../firmware/app.js';
import { runJob, hostHal, checkCapturePath, writeCapture, dropSummary, HOST_ADDR } from './main-job.js';
import type { JobOptions, JobResult } from './main-job.js';

export type { PingResult } from './main-job.js';

/** The simulation's options: the job's, plus the line's latency, loss and seed. */
export interface StartOptions extends JobOptions {
  /** One-way latency of the line, ms. */
  latency: number;
  /** Probability that a frame is lost. */
  loss: number;
  /** Seed of the link's faults. */
  seed: number;
}

export const START_DEFAULTS: StartOptions = {
  count: 4,
  size: 56,
  baud: 115200,
  latency: 5,
  loss: 0,
  seed: 1,
  pcap: 'out/slipstack-start.pcap',
  trace: false,
  interval: 1000,
  mtu: 296,
};

/** What a run found, and its capture. */
export interface StartResult extends JobResult {
  pcapPath: string;
  pcapPackets: number;
  /** The board's RAM budget, octets (-1 for a real board). */
  boardRam: number;
}

/** Run the simulation; `print` gets each output line. Throws a CaptureError (one line) when the capture cannot be written. */
export async function runStart(o: StartOptions, print: (line: string) => void): Promise<StartResult> {
  const mtu = o.mtu;
  if (o.size > mtu - 28) throw new RangeError('ping size ' + o.size + ' does not fit the MTU ' + mtu + ' (at most ' + (mtu - 28) + ' data bytes)');
  checkCapturePath(o.pcap, o.pcap === START_DEFAULTS.pcap);
  const link = createLink({ baud: o.baud, latencyMs: o.latency, loss: o.loss, seed: o.seed });
  const boardAddr = parseAddr(DEFAULT_CONFIG.addr as string) as number;

  const chunks: Uint8Array[] = [];
  const board = createStack({ addr: DEFAULT_CONFIG.addr, mtu: mtu }, link.b);
  const app = startApp(board.net);
  const host = createStack({ addr: HOST_ADDR, mtu: mtu }, hostHal(link.a, o, chunks, print));

  const sim = new Sim(link);
  sim.add(function (t) { return app.poll(t); }); // the board's stack, polled by its app
  sim.add(function (t) { return host.poll(t); });

  print('slipstack: simulated board ' + formatAddr(boardAddr) + ' behind a ' + o.baud + '-baud SLIP line' +
    ' (latency ' + o.latency + ' ms, loss ' + o.loss * 100 + '%, seed ' + o.seed + ', mtu ' + mtu + ')');
  print('board: RAM budget ' + board.ramBudget() + ' bytes, UDP echo on port ' + ECHO_PORT);

  const r = await runJob(o, host, boardAddr, {
    now: function () { return link.now(); },
    runWhile: function (cond, limitMs) { return Promise.resolve(sim.runWhile(cond, link.now() + limitMs)); },
    runUntil: function (t) {
      sim.run(t);
      return Promise.resolve();
    },
    txOctets: function () { return link.stats.bytesA; },
    rxOctets: function () { return link.stats.bytesB; },
    latencyMs: o.latency,
  }, print);

  // A lossy or damaged line shows up here.
  const hostDrops = dropSummary(host.drops);
  const boardDrops = dropSummary(board.drops);
  if (hostDrops || boardDrops) print('drops: host {' + hostDrops + '} board {' + boardDrops + '}');

  const pcapPackets = writeCapture(o.pcap, chunks, print);
  return { ...r, pcapPath: o.pcap, pcapPackets: pcapPackets, boardRam: board.ramBudget() };
}
