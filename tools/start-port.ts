// subset: host-only
/**
 * The main job against a real board (`npm start -- --port DEV`): the same sequence and the
 * same output lines as the simulation (tools/main-job.ts, shared with tools/start.ts: four
 * pings, a UDP echo off port 7, an HTTP request over TCP to the demo server on port 80, a pcap
 * of the host side), but the host's stack talks to the board through a serial port
 * (hal/serialport.ts) in real time.
 *
 * Contract: `runStartOnPort(options, print, warn)` checks the capture path (a CaptureError
 * with a one-line message if it cannot be written), opens the port (rejecting with a
 * SerialOpenError whose message is one line), runs the sequence, closes the port, writes the
 * capture and resolves to the same `StartResult` as the simulation. The board must run the
 * firmware's demo app (firmware/app.ts) at DEFAULT_CONFIG's address. RTTs are wall-clock
 * times; each ping line also shows what the frames alone cost on the line at the given baud
 * rate (the rest is the board's processing time and the USB-serial adapter's latency).
 */
import { openSerialHal } from '../hal/serialport.js';
import type { SerialHal } from '../hal/serialport.js';
import { createStack } from '../src/stack.js';
import { formatAddr, parseAddr } from '../src/wire/ipv4.js';
import { DEFAULT_CONFIG, HTTP_PORT, ECHO_PORT } from '../firmware/app.js';
import { runJob, hostHal, checkCapturePath, writeCapture, dropSummary, HOST_ADDR } from './main-job.js';
import type { JobOptions } from './main-job.js';
import { START_DEFAULTS } from './start.js';
import type { StartResult } from './start.js';

/** The job's options plus the port; latency, loss and seed do not apply to a real line. */
export interface StartPortOptions extends JobOptions {
  /** Serial port path. */
  port: string;
}

/** Resolve after ms. */
function sleep(ms: number): Promise<void> {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

/** Run the main job against the board on `o.port`; `print` gets each output line, `warn` the port's status changes. */
export async function runStartOnPort(o: StartPortOptions, print: (line: string) => void, warn: (line: string) => void): Promise<StartResult> {
  const mtu = o.mtu;
  if (o.size > mtu - 28) throw new RangeError('ping size ' + o.size + ' does not fit the MTU ' + mtu + ' (at most ' + (mtu - 28) + ' data bytes)');
  checkCapturePath(o.pcap, o.pcap === START_DEFAULTS.pcap);
  const serial = await openSerialHal(o.port, o.baud, {
    onStatus: function (event, detail) {
      warn('slipstack: ' + o.port + ' ' + (event === 'closed' ? 'closed (' + detail + '), reopening' : event === 'reopened' ? 'open again' : detail));
    },
  });
  try {
    return await job(o, serial, print);
  } finally {
    await serial.close();
  }
}

async function job(o: StartPortOptions, serial: SerialHal, print: (line: string) => void): Promise<StartResult> {
  const boardAddr = parseAddr(DEFAULT_CONFIG.addr as string) as number;
  const chunks: Uint8Array[] = [];
  const host = createStack({ addr: HOST_ADDR, mtu: o.mtu }, hostHal(serial, o, chunks, print));
  serial.start(host);

  print('slipstack: board ' + formatAddr(boardAddr) + ' on ' + o.port + ', a ' + o.baud + '-baud SLIP line (mtu ' + o.mtu + ')');
  print('host: ' + HOST_ADDR + ', RAM budget ' + host.ramBudget() + ' bytes; the board should run the demo app (UDP/TCP echo on port ' + ECHO_PORT + ', HTTP on ' + HTTP_PORT + ')');

  const r = await runJob(o, host, boardAddr, {
    now: function () { return performance.now(); },
    // Check cond every millisecond; API calls inside it wake the HAL themselves (src/hal.ts, wake).
    runWhile: async function (cond, limitMs) {
      const end = performance.now() + limitMs;
      for (;;) {
        if (!cond()) return true;
        if (performance.now() >= end) return false;
        await sleep(1);
      }
    },
    runUntil: async function (t) {
      const rest = t - performance.now();
      if (rest > 0) await sleep(rest);
    },
    txOctets: function () { return serial.stats.txOctets; },
    rxOctets: function () { return serial.stats.rxOctets; },
    latencyMs: null,
  }, print);

  // A noisy line shows up here.
  const hostDrops = dropSummary(host.drops);
  if (hostDrops) print('drops: host {' + hostDrops + '}');
  if (serial.stats.txDropped) print('serial: ' + serial.stats.txDropped + ' frames dropped (transmit queue full)');

  const pcapPackets = writeCapture(o.pcap, chunks, print);
  return { ...r, pcapPath: o.pcap, pcapPackets: pcapPackets, boardRam: -1 };
}
