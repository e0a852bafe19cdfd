// subset: host-only
/**
 * `slipstack bridge`: joins a SLIP serial line to a Linux TUN device, so that the whole Linux
 * network stack (ping, curl, ssh, nc) reaches the board at the other end of the line, even on
 * kernels without the SLIP driver (no `slattach`, no `sl0`).
 *
 *   kernel ⇄ TUN (tools/tun.ts) ⇄ bridge ⇄ SLIP (src/wire/slip.ts) ⇄ serial port (hal/serialport.ts) ⇄ board
 *
 * Contract:
 * - Each IP packet the kernel routes to the TUN device is SLIP-encoded (RFC 1055: END, the
 *   escaped packet, END) and written to the serial port; each good SLIP frame from the port
 *   is written to the TUN device as one IP packet. Frames longer than the mtu, or with a bad
 *   escape, are dropped by the decoder and counted.
 * - Each direction is a `Lane`: an optional link emulator with seeded, deterministic faults
 *   (frame loss, one flipped bit, added one-way delay) and pacing at a baud rate, with the
 *   timing model of hal/loopback.ts: 10 bits per octet (8N1), one frame at a time per
 *   direction, a frame starts when the line is free, and it arrives `delay` ms after its last
 *   bit left. A lost frame was still sent, so it still occupies the line. Frames wait for
 *   the line in a bounded queue (`queue` frames); one that finds it full is dropped and
 *   counted (a UART driver's queue does the same). The faults are drawn from an xorshift32
 *   generator per direction, always the same four draws per frame in the same order, so the
 *   same seed and the same packets give the same faults.
 * - With no faults, no delay and no pacing a lane delivers synchronously (no timer).
 * - `--pcap FILE` records every packet of both directions as it is delivered (after the
 *   impairments: lost frames are absent, corrupted ones appear corrupted), LINKTYPE_RAW,
 *   with wall-clock timestamps, through src/trace/pcap.ts.
 * - `openBridge` opens the serial port first (so a wrong port is reported even without root),
 *   then the TUN device, then configures it with `ip` when `local`/`peer` are given; any
 *   failure closes what was opened and rejects with one line for the user.
 */
import { execFileSync } from 'node:child_process';
import { openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { openSerialHal } from '../hal/serialport.js';
import type { SerialHal } from '../hal/serialport.js';
import { openTun } from './tun.js';
import type { Tun } from './tun.js';
import { SlipDecoder, encode, encodedLen } from '../src/wire/slip.js';
import { pcapGlobalHeader, pcapRecordHeader, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN } from '../src/trace/pcap.js';
import { xorshift32 } from '../hal/loopback.js';

// ---- the link emulator of one direction --------------------------------------------------

/** Options of one lane; probabilities are 0..1. */
export interface LaneOptions {
  /** Probability that a frame is lost. */
  loss: number;
  /** Probability that a frame gets one random bit flipped. */
  corrupt: number;
  /** Added one-way delay, ms. */
  delayMs: number;
  /** Pace the line at this many bit/s (10 bits per octet); 0 = no pacing. */
  baud: number;
  /** Seed of this lane's fault generator (an int). */
  seed: number;
  /** Frames allowed to wait for the line; more are dropped (only matters with pacing). */
  queue: number;
  /** Largest packet, octets. */
  maxPacket: number;
}

/** Counters of one lane. */
export interface LaneCounters {
  /** Packets and octets submitted. */
  packets: number;
  octets: number;
  lost: number;
  corrupted: number;
  /** Dropped because the queue was full. */
  overflow: number;
  /** Packets and octets handed on. */
  delivered: number;
  deliveredOctets: number;
}


/** A uniform integer in [0, 2^30). */
function draw(state: Int32Array): number {
  return xorshift32(state) >>> 2;
}

/** 2^30: probabilities are compared as integer thresholds on 30-bit draws. */
const DRAW_RANGE = 1073741824;

/** A generator for `seed` in the stream `salt`; nearby seeds give unrelated streams. */
function seedState(seed: number, salt: number): Int32Array {
  const s = new Int32Array(1);
  s[0] = (seed ^ salt) | 0 || 0x2545f491; // 0 is xorshift's fixed point
  for (let i = 0; i < 16; i++) xorshift32(s);
  return s;
}

/** Salts of the two directions, so that one seed gives each its own faults. */
export const SALT_TO_SERIAL = 0x3c6ef372;
export const SALT_TO_TUN = 0x1f83d9ab;

/** A packet in a lane: its bytes, and when it finishes on the line and arrives. */
interface Slot {
  buf: Uint8Array;
  len: number;
  /** When its last bit has left the sender (ms). */
  txEnd: number;
  /** When it is delivered (ms). */
  due: number;
}

/** One direction of the bridge: faults, pacing, delay, and a FIFO of packets in flight. */
export class Lane {
  readonly counters: LaneCounters;
  private o: LaneOptions;
  private deliver: (buf: Uint8Array, off: number, len: number) => void;
  private rng: Int32Array;
  private lossBelow: number;
  private corruptBelow: number;
  private msPerOctet: number;
  private lineFreeAt: number;
  /** Packets in flight, oldest first (arrival times never decrease: FIFO). */
  private fifo: Slot[];
  /** Recycled slots (allocated once each, reused after). */
  private free: Slot[];

  constructor(o: LaneOptions, salt: number, deliver: (buf: Uint8Array, off: number, len: number) => void) {
    this.o = o;
    this.deliver = deliver;
    this.rng = seedState(o.seed, salt);
    this.lossBelow = Math.floor(o.loss * DRAW_RANGE);
    this.corruptBelow = Math.floor(o.corrupt * DRAW_RANGE);
    // 8N1: a start bit, 8 data bits and a stop bit per octet.
    this.msPerOctet = o.baud > 0 ? (10 * 1000) / o.baud : 0;
    this.lineFreeAt = 0;
    this.fifo = [];
    this.free = [];
    this.counters = { packets: 0, octets: 0, lost: 0, corrupted: 0, overflow: 0, delivered: 0, deliveredOctets: 0 };
  }

  /** Frames still waiting for, or being sent on, the line at `now`. */
  private waiting(now: number): number {
    let n = 0;
    for (let i = this.fifo.length - 1; i >= 0 && this.fifo[i].txEnd > now; i--) n++;
    return n;
  }

  /** One packet buf[off, off+len) enters the lane at `now` (ms); the lane copies it. */
  submit(buf: Uint8Array, off: number, len: number, now: number): void {
    const c = this.counters;
    c.packets++;
    c.octets += len;
    // The four draws, always all of them and in this order (determinism by seed).
    const rLoss = draw(this.rng);
    const rCorrupt = draw(this.rng);
    const flipPos = draw(this.rng);
    const flipBit = draw(this.rng) & 7;

    if (this.msPerOctet > 0 && this.waiting(now) >= this.o.queue) {
      c.overflow++;
      return;
    }
    let txEnd = now;
    if (this.msPerOctet > 0) {
      const start = this.lineFreeAt > now ? this.lineFreeAt : now;
      // The line carries the SLIP frame: the packet plus its escapes and two ENDs.
      txEnd = start + encodedLen(buf, off, len) * this.msPerOctet;
      this.lineFreeAt = txEnd;
    }
    if (rLoss < this.lossBelow) {
      c.lost++;
      return;
    }
    const due = txEnd + this.o.delayMs;
    const corrupt = rCorrupt < this.corruptBelow && len > 0;
    if (corrupt) c.corrupted++;
    if (due <= now && this.fifo.length === 0 && !corrupt) {
      // Nothing to wait for: hand it on at once, without a copy.
      c.delivered++;
      c.deliveredOctets += len;
      this.deliver(buf, off, len);
      return;
    }
    let s = this.free.pop();
    if (s === undefined) s = { buf: new Uint8Array(this.o.maxPacket), len: 0, txEnd: 0, due: 0 };
    s.buf.set(buf.subarray(off, off + len), 0);
    s.len = len;
    if (corrupt) s.buf[flipPos % len] ^= 1 << flipBit;
    s.txEnd = txEnd;
    s.due = due;
    this.fifo.push(s);
    if (due <= now) this.service(now);
  }

  /** Deliver every packet due at `now`; returns the time of the next one (Infinity: none). */
  service(now: number): number {
    const c = this.counters;
    while (this.fifo.length > 0 && this.fifo[0].due <= now) {
      const s = this.fifo.shift() as Slot;
      c.delivered++;
      c.deliveredOctets += s.len;
      this.deliver(s.buf, 0, s.len);
      this.free.push(s);
    }
    return this.fifo.length > 0 ? this.fifo[0].due : Infinity;
  }

  /** Packets in flight. */
  inFlight(): number {
    return this.fifo.length;
  }
}

// ---- the bridge ---------------------------------------------------------------------------

/** Options of `openBridge`. */
export interface BridgeOptions {
  /** Serial port path (a tty or a pty). */
  port: string;
  /** TUN interface name. */
  tun: string;
  /** If both are set, configure the TUN: `ip addr add LOCAL peer PEER dev TUN`, mtu, up. */
  local: string | null;
  peer: string | null;
  /** IP MTU of the line (largest packet either way). */
  mtu: number;
  /** Also set the TUN's mtu when local/peer are not given. */
  setMtu: boolean;
  /** Capture file, or null. */
  pcap: string | null;
  loss: number;
  corrupt: number;
  delayMs: number;
  /** Pacing rate in bit/s (0 = none); also the serial port's baud rate when > 0. */
  baud: number;
  seed: number;
  /** Frames that may wait for the paced line per direction. */
  queue: number;
  /** Reopen period of the serial port, ms. */
  reopenMs: number;
  /** Called once if the TUN device stops working (it was deleted...); the bridge is useless then. */
  onFatal?: (e: Error) => void;
}

/** Defaults of the bridge command's options. */
export const BRIDGE_DEFAULTS = {
  mtu: 296,
  loss: 0,
  corrupt: 0,
  delayMs: 0,
  baud: 0,
  seed: 1,
  queue: 16,
  reopenMs: 500,
  /** The serial port's rate when no --baud is given (a pty ignores it). */
  serialBaud: 115200,
};

/** A running bridge. */
export interface Bridge {
  /** Kernel → serial. */
  readonly toSerial: Lane;
  /** Serial → kernel. */
  readonly toTun: Lane;
  readonly serial: SerialHal;
  readonly tun: Tun;
  /** Counters beyond the lanes'. */
  readonly extra: { tunOversize: number; tunWriteErrors: number; slipEscapeDrops: number; slipOverflowDrops: number };
  /** The counters as lines for the user. */
  summary(): string[];
  /** Stop and release everything (idempotent). */
  close(): Promise<void>;
}

/** Run `ip` with args; throws one line (ip's own message) on failure. */
function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { stderr?: string; code?: string; message: string };
    if (err.code === 'ENOENT') throw new Error('cannot configure the TUN device: the `ip` command (iproute2) is not installed');
    const msg = (err.stderr ?? err.message).trim().split('\n')[0];
    throw new Error('ip ' + args.join(' ') + ': ' + msg);
  }
}

/** Open the serial port and the TUN device, configure the TUN, and start moving packets. */
export async function openBridge(o: BridgeOptions, log: (line: string) => void): Promise<Bridge> {
  const serialBaud = o.baud > 0 ? o.baud : BRIDGE_DEFAULTS.serialBaud;
  const serial = await openSerialHal(o.port, serialBaud, {
    reopenMs: o.reopenMs,
    onStatus: function (event, detail) {
      if (event === 'closed') log('bridge: serial port ' + o.port + ' closed (' + detail + '); reopening every ' + o.reopenMs + ' ms');
      else if (event === 'reopened') log('bridge: serial port ' + o.port + ' open again');
      else log('bridge: ' + detail);
    },
  });
  let tun: Tun;
  try {
    tun = await openTun(o.tun);
  } catch (e) {
    await serial.close();
    throw e;
  }
  try {
    if (o.local !== null && o.peer !== null) {
      try {
        ip(['addr', 'add', o.local, 'peer', o.peer, 'dev', tun.name]);
      } catch (e) {
        // The address may already be there (a persistent device configured before).
        if (!/File exists/.test((e as Error).message)) throw e;
      }
    }
    if (o.local !== null || o.setMtu) ip(['link', 'set', 'dev', tun.name, 'mtu', String(o.mtu), 'up']);
    else {
      // Configured by someone else: a device mtu above the line's means packets we must drop.
      let devMtu = 0;
      try {
        devMtu = Number(readFileSync('/sys/class/net/' + tun.name + '/mtu', 'utf8'));
      } catch {
        devMtu = 0; // no sysfs view of this namespace: nothing to compare
      }
      if (devMtu > o.mtu) {
        log('bridge: warning: ' + tun.name + ' has mtu ' + devMtu + ' but the line\'s is ' + o.mtu + '; longer packets will be dropped' +
          ' (give --mtu ' + devMtu + ', or: ip link set ' + tun.name + ' mtu ' + o.mtu + ')');
      }
    }
  } catch (e) {
    await tun.close();
    await serial.close();
    throw e;
  }

  // ---- capture ----
  let pcapFd = -1;
  const recHeader = new Uint8Array(RECORD_HEADER_LEN);
  if (o.pcap !== null) {
    try {
      pcapFd = openSync(o.pcap, 'w');
    } catch (e) {
      await tun.close();
      await serial.close();
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new Error('cannot write the capture ' + o.pcap + ': ' + why);
    }
    const gh = new Uint8Array(GLOBAL_HEADER_LEN);
    pcapGlobalHeader(gh, 0, o.mtu);
    writeSync(pcapFd, gh);
  }
  function record(buf: Uint8Array, off: number, len: number): void {
    if (pcapFd < 0) return;
    pcapRecordHeader(recHeader, 0, performance.timeOrigin + performance.now(), len, len);
    writeSync(pcapFd, recHeader);
    writeSync(pcapFd, buf, off, len);
  }

  const extra = { tunOversize: 0, tunWriteErrors: 0, slipEscapeDrops: 0, slipOverflowDrops: 0 };
  const laneOpts = function (): LaneOptions {
    return { loss: o.loss, corrupt: o.corrupt, delayMs: o.delayMs, baud: o.baud, seed: o.seed, queue: o.queue, maxPacket: o.mtu };
  };

  // ---- kernel → serial ----
  const frame = new Uint8Array(2 * o.mtu + 2);
  const toSerial = new Lane(laneOpts(), SALT_TO_SERIAL, function (buf, off, len) {
    record(buf, off, len);
    const n = encode(buf, off, len, frame, 0);
    serial.write(frame, 0, n);
  });

  // ---- serial → kernel ----
  const toTun = new Lane(laneOpts(), SALT_TO_TUN, function (buf, off, len) {
    record(buf, off, len);
    try {
      tun.write(buf, off, len);
    } catch {
      // EINVAL: not an IP packet (a corrupted version nibble); the kernel refuses it.
      extra.tunWriteErrors++;
    }
  });
  const decoder = new SlipDecoder(o.mtu, function (buf, len) {
    toTun.submit(buf, 0, len, performance.now());
    arm(toTun, 1);
  });
  serial.setReceiver(function (buf, off, len) {
    decoder.push(buf, off, len);
    extra.slipEscapeDrops = decoder.dropEscape;
    extra.slipOverflowDrops = decoder.dropOverflow;
  });

  // One timer per lane, armed for its next delivery.
  const timers: (ReturnType<typeof setTimeout> | null)[] = [null, null];
  let closed = false;
  function arm(lane: Lane, which: number): void {
    if (closed) return;
    const now = performance.now();
    const next = lane.service(now);
    const t = timers[which];
    if (t !== null) clearTimeout(t);
    timers[which] = null;
    if (next !== Infinity) {
      timers[which] = setTimeout(function () {
        timers[which] = null;
        arm(lane, which);
      }, Math.max(0, Math.ceil(next - now)));
    }
  }

  // ---- the TUN side: one packet per read ----
  tun.start(function (buf, len) {
    if (len > o.mtu) {
      extra.tunOversize++;
      return;
    }
    toSerial.submit(buf, 0, len, performance.now());
    arm(toSerial, 0);
  }, function (e) {
    log('bridge: reading ' + tun.name + ' failed: ' + e.message);
    if (o.onFatal !== undefined) o.onFatal(e);
  });

  return {
    toSerial: toSerial,
    toTun: toTun,
    serial: serial,
    tun: tun,
    extra: extra,
    summary(): string[] {
      const a = toSerial.counters;
      const b = toTun.counters;
      const s = serial.stats;
      return [
        'bridge: ' + tun.name + ' -> serial: ' + a.packets + ' packets (' + a.octets + ' octets), ' + a.delivered + ' sent, ' +
          a.lost + ' lost, ' + a.corrupted + ' corrupted, ' + a.overflow + ' overflow, ' + extra.tunOversize + ' over mtu',
        'bridge: serial -> ' + tun.name + ': ' + b.packets + ' packets (' + b.octets + ' octets), ' + b.delivered + ' delivered, ' +
          b.lost + ' lost, ' + b.corrupted + ' corrupted, ' + extra.tunWriteErrors + ' refused by the kernel, SLIP drops: ' +
          extra.slipEscapeDrops + ' bad escape, ' + extra.slipOverflowDrops + ' over mtu',
        'bridge: serial port ' + o.port + ': ' + s.txOctets + ' octets out, ' + s.rxOctets + ' in, ' + s.txDropped +
          ' frames dropped (queue full), ' + s.disconnects + ' disconnects, ' + s.reopens + ' reopens',
      ];
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (let i = 0; i < 2; i++) {
        const t = timers[i];
        if (t !== null) clearTimeout(t);
        timers[i] = null;
      }
      await Promise.all([serial.close(), tun.close()]);
      if (pcapFd >= 0) closeSync(pcapFd);
      pcapFd = -1;
    },
  };
}
