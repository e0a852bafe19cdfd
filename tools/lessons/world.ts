/**
 * The lesson world: two slipstack stacks, A and B, on the simulated serial line
 * (hal/loopback.ts, seeded, virtual clock), and a recorder that turns what they do into a
 * Story (src/trace/story.ts) for the teaching views.
 *
 * How it sees things, using only the stacks' public API:
 * - Each end's HAL is wrapped in a tap. A frame a stack writes is decoded (SLIP, IPv4, TCP) and
 *   recorded with `stack.net.txReason`, its number and its predicted arrival (the link model's own
 *   formula: the line is busy len·10/baud seconds per frame, then the latency). The link's
 *   `stats.lost` tells at once whether --loss took it.
 * - A frame reaching an end is matched to its segment (each direction is first in, first out:
 *   lessons use no reordering), dropped there if a --drop or a click chose it (so it still
 *   occupied the line, like a real loss), else handed on; the drop counters the receiver
 *   raised while handling it are recorded beside it.
 * - Each stack's transition ring (stack.trace) is read right before each frame it writes and
 *   right after each call into it, so transitions land between the segments exactly where
 *   they happened.
 * No Node modules: the browser lab runs the same file.
 */
import { createLink, Sim } from '../../hal/loopback.js';
import type { Link } from '../../hal/loopback.js';
import type { Hal, Receiver } from '../../src/hal.js';
import { withPcap } from '../../hal/pcap.js';
import type { PcapSink } from '../../hal/pcap.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import { SlipDecoder, encode as slipEncode } from '../../src/wire/slip.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as ev from '../../src/trace/events.js';
import { DROP_NAMES, DROP_COUNT } from '../../src/stats.js';
import { describePacket } from '../../hal/tracer.js';
import { netstatRows } from '../../src/trace/netstat.js';
import { CAUSE_REBOOT } from '../../src/trace/story.js';
import type { Story, SegEvent, StateEvent, NetRow } from '../../src/trace/story.js';

/** A segment to drop: the nth of all (dir -1), or the nth from end `dir` to the other. */
export interface DropSpec {
  dir: number;
  n: number;
}

/** Parse '3', 'a>b:3', 'b>a:1' (case-insensitive); null when it is none of these. */
export function parseDrop(s: string): DropSpec | null {
  const all = /^\s*(\d+)\s*$/.exec(s);
  if (all !== null && Number(all[1]) >= 1) return { dir: -1, n: Number(all[1]) };
  const d = /^\s*([ab])\s*>\s*([ab])\s*:\s*(\d+)\s*$/i.exec(s);
  if (d === null || d[1].toLowerCase() === d[2].toLowerCase() || Number(d[3]) < 1) return null;
  return { dir: d[1].toLowerCase() === 'a' ? 0 : 1, n: Number(d[3]) };
}

/** Settings of a world; every number has a lesson default (tools/lessons/scenarios.ts). */
export interface WorldOptions {
  seed: number;
  /** Probability that the line loses a frame (--loss). */
  loss: number;
  mtu: number;
  /** Maximum segment lifetime, ms (TIME-WAIT = 2·MSL). */
  msl: number;
  baud: number;
  /** One-way latency, ms. */
  latency: number;
  /** Segments to drop (as typed, and parsed). */
  drops: string[];
  /** Stack settings per end (A, B) on top of the world's. */
  config: StackConfig[];
  addrs: string[];
  roles: string[];
  /** Receives a pcap of the line seen from A (LINKTYPE_RAW), if given. */
  pcap: PcapSink | null;
}

/** Everything the world knows about one end. */
class EndState {
  index: number;
  stack!: Stack;
  tap: Tap;
  /** What the stack runs on: the tap, or a pcap wrapper around it. */
  hal: Hal | null;
  /** The connection drawn in this end's column (-1: none yet). */
  focus: number;
  /** The column's state (the focus connection's last state). */
  column: number;
  /** Listener handles and their ports. */
  listeners: number[][];
  /** Trace records already read. */
  seen: number;
  /** The application accepts connections and reads data as soon as it can. */
  autoAccept: boolean;
  autoRead: boolean;
  /** Octets the application still wants to write, per handle. */
  pending: number[];
  /** Octets read so far, per handle. */
  read: number[];

  constructor(index: number, tap: Tap) {
    this.index = index;
    this.tap = tap;
    this.hal = null;
    this.focus = -1;
    this.column = C.CLOSED;
    this.listeners = [];
    this.seen = 0;
    this.autoAccept = true;
    this.autoRead = true;
    this.pending = [];
    this.read = [];
  }
}

/** The HAL wrapper that records every frame an end writes and receives. */
class Tap implements Hal {
  world: World;
  end: number;
  inner: Hal;
  rx: Receiver | null;
  private txDec: SlipDecoder;
  private rxDec: SlipDecoder;
  /** Set by the receive decoder: forward the frame being received. */
  private pass: boolean;

  constructor(world: World, end: number, inner: Hal, mtu: number) {
    this.world = world;
    this.end = end;
    this.inner = inner;
    this.rx = null;
    this.pass = true;
    const self = this;
    this.txDec = new SlipDecoder(mtu, function (buf, len) { world.sent(self.end, buf, len); });
    this.rxDec = new SlipDecoder(mtu, function (buf, len) { self.pass = world.arriving(self.end, buf, len); });
    inner.setReceiver(function (buf, off, len) { self.receive(buf, off, len); });
  }

  private receive(buf: Uint8Array, off: number, len: number): void {
    this.pass = true;
    this.rxDec.push(buf, off, len);
    if (!this.pass || this.rx === null) return;
    this.world.beforeInput(this.end);
    this.rx(buf, off, len);
    this.world.afterInput(this.end);
  }

  write(buf: Uint8Array, off: number, len: number): void {
    this.world.flush(this.end);
    const lost = this.world.link.stats.lost;
    this.world.lineTime(this.end, len);
    this.txDec.push(buf, off, len);
    this.inner.write(buf, off, len);
    if (this.world.link.stats.lost !== lost) this.world.lostLast(this.end);
  }

  setReceiver(rx: Receiver): void {
    this.rx = rx;
  }

  now(): number {
    return this.inner.now();
  }

  random32(): number {
    return this.inner.random32();
  }

  wake(): void {
    if (this.inner.wake !== undefined) this.inner.wake();
  }
}

/** 'addr:port'. */
function ep(addr: number, port: number): string {
  return ipv4.formatAddr(addr) + ':' + port;
}

/** Options in packetdrill notation, as they appear in the header ('mss 256,nop,nop,sackOK'). */
function optionText(buf: Uint8Array, off: number, hl: number, isnOfAck: number | null): string {
  const out: string[] = [];
  let i = off + tcpw.HEADER_LEN;
  const end = off + hl;
  while (i < end) {
    const kind = buf[i];
    if (kind === tcpw.OPT_EOL) { out.push('eol'); break; }
    if (kind === tcpw.OPT_NOP) { out.push('nop'); i++; continue; }
    const olen = buf[i + 1];
    if (olen < 2) break;
    if (kind === tcpw.OPT_MSS) out.push('mss ' + ((buf[i + 2] << 8) | buf[i + 3]));
    else if (kind === tcpw.OPT_SACK_PERMITTED) out.push('sackOK');
    else if (kind === tcpw.OPT_SACK) {
      const blocks: string[] = [];
      for (let b = i + 2; b + 8 <= i + olen; b += 8) {
        const l = ((buf[b] << 24) | (buf[b + 1] << 16) | (buf[b + 2] << 8) | buf[b + 3]) >>> 0;
        const r = ((buf[b + 4] << 24) | (buf[b + 5] << 16) | (buf[b + 6] << 8) | buf[b + 7]) >>> 0;
        const base = isnOfAck === null ? 0 : isnOfAck;
        blocks.push(((l - base) >>> 0) + ':' + ((r - base) >>> 0));
      }
      out.push('sack ' + blocks.join(' '));
    } else out.push('opt ' + kind);
    i += olen;
  }
  return out.join(',');
}

/** The two stacks, the line, and the story of what happened on it. */
export class World {
  link: Link;
  sim: Sim;
  ends: EndState[];
  story: Story;
  opts: WorldOptions;
  private dropSpecs: DropSpec[];
  /** Segments in flight per direction (from end 0, from end 1), oldest first. */
  private flight: SegEvent[][];
  /** Per direction: segments sent so far, when the line is free again, and the arrival predicted for the frame being written. */
  private sentDir: number[];
  private lineFree: number[];
  private nextArrival: number[];
  /** ISN per direction of each connection ('src:port>dst:port'). */
  private isn: Record<string, number>;
  private dropsBefore: Uint32Array;
  private buf: Uint8Array;
  private mss: number;
  /** Segments recorded so far. */
  private segs: number;
  /** The frame being written was injected by the lesson. */
  private injecting: boolean;

  constructor(o: WorldOptions) {
    this.opts = o;
    this.link = createLink({ seed: o.seed, loss: o.loss, baud: o.baud, latencyMs: o.latency });
    this.sim = new Sim(this.link);
    this.dropSpecs = [];
    for (const d of o.drops) {
      const spec = parseDrop(d);
      if (spec === null) throw new Error('--drop "' + d + '" is not N or a>b:N');
      this.dropSpecs.push(spec);
    }
    this.flight = [[], []];
    this.sentDir = [0, 0];
    this.lineFree = [0, 0];
    this.nextArrival = [0, 0];
    this.isn = {};
    this.dropsBefore = new Uint32Array(DROP_COUNT);
    this.buf = new Uint8Array(8192);
    this.mss = o.mtu - 40;
    this.segs = 0;
    this.injecting = false;
    this.story = {
      lesson: '', title: '', about: [], rfc: '', ends: [], baud: o.baud, latency: o.latency, mtu: o.mtu, msl: o.msl, seed: o.seed, loss: o.loss,
      drops: o.drops.slice(), end: 0, events: [],
    };
    this.ends = [];
    const halA = new Tap(this, 0, this.link.a, o.mtu);
    const halB = new Tap(this, 1, this.link.b, o.mtu);
    this.ends.push(new EndState(0, halA), new EndState(1, halB));
    for (let e = 0; e < 2; e++) {
      this.story.ends.push({ name: e === 0 ? 'A' : 'B', addr: o.addrs[e], role: o.roles[e] });
      this.boot(e);
    }
    const self = this;
    for (let e = 0; e < 2; e++) {
      const end = e;
      this.sim.add(function (t) {
        const s = self.ends[end].stack;
        const next = s.poll(t);
        self.flush(end);
        return next;
      });
    }
  }

  /** Create (or re-create, after a reboot) the stack of end e on its tap. */
  private boot(e: number): void {
    const o = this.opts;
    const cfg: StackConfig = { addr: o.addrs[e], mtu: o.mtu, msl: o.msl, traceEvents: 256, ...o.config[e] };
    const end = this.ends[e];
    // The capture is taken at A's interface, one wrapper for the whole run (a reboot keeps it).
    if (end.hal === null) end.hal = e === 0 && o.pcap !== null ? withPcap(end.tap, o.pcap, o.mtu) : end.tap;
    const stack = createStack(cfg, end.hal);
    end.stack = stack;
    end.seen = 0;
    end.listeners = [];
    const self = this;
    stack.onTcp(function (h, event) { self.onEvent(e, h, event); });
  }

  /** The clock, ms. */
  now(): number {
    return this.link.now();
  }

  /** The other end's address as an int. */
  private peerAddr(e: number): number {
    return ipv4.parseAddr(this.opts.addrs[1 - e]) as number;
  }

  // ---- the application on each end ---------------------------------------------------

  private onEvent(e: number, h: number, event: number): void {
    const end = this.ends[e];
    const s = end.stack;
    if (event === C.EV_ACCEPTABLE && end.autoAccept) {
      for (;;) {
        const c = s.tcpAccept(h);
        if (c < 0) break;
      }
    } else if (event === C.EV_READABLE && end.autoRead) {
      this.drain(e, h);
    } else if (event === C.EV_WRITABLE) {
      this.pump(e, h);
    } else if (event === C.EV_CLOSED) {
      end.pending[h] = 0;
      // The application lets go of a handle the stack closed under it.
      if (h < C.LISTENER_BASE) s.tcpClose(h);
    }
  }

  /** Read everything that is there (the application keeps up). */
  private drain(e: number, h: number): void {
    const end = this.ends[e];
    for (;;) {
      const n = end.stack.tcpRead(h, this.buf, 0, this.buf.length);
      if (n <= 0) break;
      end.read[h] = (end.read[h] || 0) + n;
    }
  }

  /** Write what the application still owes. */
  private pump(e: number, h: number): void {
    const end = this.ends[e];
    let left = end.pending[h] || 0;
    while (left > 0) {
      const chunk = left < this.buf.length ? left : this.buf.length;
      for (let i = 0; i < chunk; i++) this.buf[i] = 0x61 + (i % 26);
      const n = end.stack.tcpWrite(h, this.buf, 0, chunk);
      if (n <= 0) break;
      left -= n;
    }
    end.pending[h] = left;
  }

  /** Record an application call and read the transitions it made. */
  private app(e: number, call: string, result: string): void {
    this.story.events.push({ kind: 'app', t: this.now(), end: e, call: call, result: result });
  }

  /** The end's focus connection, or a StackError-free -1. */
  focusOf(e: number): number {
    return this.ends[e].focus;
  }

  /** Passive OPEN on `port`. */
  listen(e: number, port: number): void {
    const end = this.ends[e];
    this.app(e, 'listen(' + port + ')', '');
    const h = end.stack.tcpListen(port, 4);
    end.listeners.push([h, port]);
    this.flush(e);
    if (end.focus < 0 || end.column === C.CLOSED) {
      this.stateEvent(e, h, C.CLOSED, C.LISTEN, ev.CAUSE_LISTEN, true, '');
      end.focus = h;
    }
  }

  /** Active OPEN to the other end's `port`, from local `lport` (0: ephemeral). */
  connect(e: number, port: number, lport: number): void {
    this.app(e, 'connect(' + this.opts.addrs[1 - e] + ':' + port + ')', '');
    this.ends[e].stack.tcpConnect(this.peerAddr(e), port, lport);
    this.flush(e);
  }

  /** SEND from the listening endpoint on `lport` to the other end's `port` (LISTEN → SYN-SENT). */
  connectFrom(e: number, lport: number, port: number): void {
    const end = this.ends[e];
    const k = end.listeners.findIndex(function (l) { return l[1] === lport; });
    if (k < 0) throw new Error('connectFrom: no listener on ' + lport);
    this.app(e, 'send on the listener :' + lport + ' to ' + this.opts.addrs[1 - e] + ':' + port, '');
    end.stack.tcpConnectFrom(end.listeners[k][0], this.peerAddr(e), port);
    end.listeners.splice(k, 1);
    this.flush(e);
  }

  /** Write `bytes` octets on the focus connection (queued in the app while the ring is full). */
  write(e: number, bytes: number): void {
    const end = this.ends[e];
    const h = end.focus;
    this.app(e, 'write(' + bytes + ' B)', '');
    end.pending[h] = (end.pending[h] || 0) + bytes;
    this.pump(e, h);
    this.flush(e);
  }

  /** Read what is there, and from now on keep reading (or stop reading with on=false). */
  reading(e: number, on: boolean): void {
    const end = this.ends[e];
    end.autoRead = on;
    if (on) {
      const before = end.read[end.focus] || 0;
      this.app(e, 'read()', '');
      const call = this.story.events[this.story.events.length - 1];
      this.drain(e, end.focus);
      if (call.kind === 'app') call.result = ((end.read[end.focus] || 0) - before) + ' B';
    } else {
      this.app(e, 'stops reading', '');
    }
    this.flush(e);
  }

  shutdown(e: number): void {
    this.app(e, 'shutdown(SHUT_WR)', '');
    this.ends[e].stack.tcpShutdown(this.ends[e].focus);
    this.flush(e);
  }

  close(e: number): void {
    const end = this.ends[e];
    const h = end.focus;
    this.app(e, 'close()', '');
    if (h >= C.LISTENER_BASE) {
      end.stack.tcpUnlisten(h);
      end.listeners = end.listeners.filter(function (l) { return l[0] !== h; });
      this.stateEvent(e, h, C.LISTEN, C.CLOSED, ev.CAUSE_CLOSE, true, '');
    } else {
      end.stack.tcpClose(h);
    }
    this.flush(e);
  }

  abort(e: number): void {
    this.app(e, 'abort()', '');
    this.ends[e].stack.tcpAbort(this.ends[e].focus);
    this.flush(e);
  }

  /** Keepalive on for the focus connection. */
  keepalive(e: number): void {
    const end = this.ends[e];
    this.app(e, 'setsockopt(SO_KEEPALIVE)', '');
    end.stack.tcpSetKeepAlive(end.focus, true);
    this.flush(e);
  }

  /** The application stops accepting new connections (their SYN-RECEIVED slots stay busy). */
  noAccept(e: number): void {
    this.ends[e].autoAccept = false;
  }

  /** The host loses power and comes back: a new stack, no connections, no RST sent. */
  reboot(e: number): void {
    const end = this.ends[e];
    this.flush(e);
    this.app(e, 'reboot', '');
    if (end.column !== C.CLOSED) this.stateEvent(e, end.focus, end.column, C.CLOSED, CAUSE_REBOOT, true, '');
    end.focus = -1;
    end.column = C.CLOSED;
    this.boot(e);
  }

  /**
   * Put a hand-made TCP segment on the line from end e, as if sent from `src:sport` (a spoofed
   * or an old duplicate segment): flags, absolute seq, the other end's port.
   */
  inject(e: number, src: string, sport: number, dport: number, flags: number, seq: number, what: string): void {
    const r = new tcpw.TcpRepr();
    r.srcPort = sport; r.dstPort = dport; r.seq = seq | 0; r.ack = 0; r.flags = flags; r.window = 1024;
    r.mss = flags & tcpw.SYN ? this.mss : 0; r.payloadLen = 0; r.sackPermitted = false; r.sackCount = 0;
    r.urgent = 0;
    const pkt = new Uint8Array(ipv4.HEADER_LEN + tcpw.headerLen(r));
    const srcAddr = ipv4.parseAddr(src) as number;
    const dst = ipv4.parseAddr(this.opts.addrs[1 - e]) as number;
    const n = tcpw.emit(r, pkt, ipv4.HEADER_LEN, srcAddr, dst);
    const ip = new ipv4.Ipv4Repr();
    ip.src = srcAddr; ip.dst = dst; ip.protocol = ipv4.PROTO_TCP; ip.ttl = 64; ip.tos = 0; ip.ident = 0;
    ip.dontFrag = true; ip.moreFrags = false; ip.fragOffset = 0; ip.payloadLen = n;
    const total = ipv4.emit(ip, pkt, 0);
    const frame = new Uint8Array(2 * total + 2);
    const len = slipEncode(pkt, 0, total, frame, 0);
    this.app(e, what, '');
    this.injecting = true;
    this.ends[e].tap.write(frame, 0, len);
    this.injecting = false;
  }

  /** Drop segment n if it is still on the line (the lab's click); true if it was. */
  dropInFlight(n: number): boolean {
    for (let d = 0; d < 2; d++) {
      for (const s of this.flight[d]) {
        if (s.n === n && s.fate === 'flight') {
          s.fate = 'dropped';
          return true;
        }
      }
    }
    return false;
  }

  // ---- running -----------------------------------------------------------------------

  /** Run the line and the timers until t. */
  runTo(t: number): void {
    if (t > this.now()) this.sim.run(t);
    this.story.end = this.now();
  }

  /** Run until end e's column shows `state` (or until `limit`); true if it did. */
  runUntilState(e: number, state: number, limit: number): boolean {
    const self = this;
    if (this.ends[e].column === state) return true;
    const ok = this.sim.runWhile(function () { return self.ends[e].column !== state; }, limit);
    this.story.end = this.now();
    return ok;
  }

  /** The next moment anything happens (a frame arrives or a timer runs), Infinity if none. */
  nextEvent(): number {
    let t = this.link.nextEvent();
    for (let e = 0; e < 2; e++) {
      const d = this.ends[e].stack.poll(this.now());
      this.flush(e);
      if (d < t) t = d;
    }
    return t;
  }

  /** Snapshot both ends as netstat tables, into the story. */
  netstat(): NetRow[][] {
    const rows: NetRow[][] = [];
    for (let e = 0; e < 2; e++) {
      const end = this.ends[e];
      rows.push(netstatRows(end.stack.net.t, end.stack.addr, this.now()));
    }
    this.story.events.push({ kind: 'netstat', t: this.now(), rows: rows });
    return rows;
  }

  // ---- the recorder (called by the taps and the pollers) -----------------------------

  /** Read end e's new transitions into the story. */
  flush(e: number): void {
    const end = this.ends[e];
    const tr = end.stack.trace;
    const size = tr.size();
    const oldest = tr.total - size;
    let i = end.seen > oldest ? end.seen : oldest;
    for (; i < tr.total; i++) {
      const k = i - oldest;
      const conn = tr.conn(k);
      const from = tr.from(k);
      const to = tr.to(k);
      const cause = tr.cause(k);
      // connectFrom records CLOSED → SYN-SENT (connect) and then LISTEN → SYN-SENT (send):
      // the second says what the endpoint went through, so it replaces the first.
      if (cause === ev.CAUSE_SEND && this.amendConnect(e, conn, tr.time(k))) continue;
      this.transition(e, tr.time(k), conn, from, to, cause);
    }
    end.seen = tr.total;
  }

  /** Turn the last CLOSED → SYN-SENT (connect) of this connection at time t into LISTEN → SYN-SENT (send). */
  private amendConnect(e: number, conn: number, t: number): boolean {
    const evs = this.story.events;
    for (let k = evs.length - 1; k >= 0; k--) {
      const x = evs[k];
      if (x.kind !== 'state' || x.end !== e) continue;
      if (x.conn !== conn || x.t !== t || x.cause !== ev.CAUSE_CONNECT) return false;
      x.from = C.LISTEN;
      x.cause = ev.CAUSE_SEND;
      return true;
    }
    return false;
  }

  private transition(e: number, t: number, conn: number, from: number, to: number, cause: number): void {
    const end = this.ends[e];
    const epv = new Int32Array(9);
    end.stack.tcpEndpoint(conn, epv);
    const remoteAddr = epv[1];
    const remote = remoteAddr !== 0 ? ep(remoteAddr, epv[2]) : '';
    let main = conn === end.focus;
    if (!main && (from === C.LISTEN || from === C.CLOSED) && to !== C.CLOSED && remoteAddr === this.peerAddr(e) &&
      (end.focus < 0 || end.column === C.LISTEN || end.column === C.CLOSED)) {
      main = true;
      end.focus = conn;
    }
    this.stateEvent(e, conn, from, to, cause, main, remote, t);
  }

  private stateEvent(e: number, conn: number, from: number, to: number, cause: number, main: boolean, remote: string, t?: number): void {
    const ev1: StateEvent = { kind: 'state', t: t === undefined ? this.now() : t, end: e, conn: conn, from: from, to: to, cause: cause, main: main, remote: remote };
    this.story.events.push(ev1);
    if (main) this.ends[e].column = to;
  }

  /** Account for the line time of a frame of len octets written by end e (the link's formula). */
  lineTime(e: number, len: number): void {
    const now = this.now();
    const start = this.lineFree[e] > now ? this.lineFree[e] : now;
    this.lineFree[e] = start + (len * 10 * 1000) / this.opts.baud;
    this.nextArrival[e] = this.lineFree[e] + this.opts.latency;
  }

  /** A frame end e wrote, decoded: record it as a segment. */
  sent(e: number, pkt: Uint8Array, len: number): void {
    const n = ++this.segs;
    this.sentDir[e]++;
    const seg: SegEvent = {
      kind: 'seg', t: this.now(), n: n, nDir: this.sentDir[e], from: e, flags: '', seq: 0, ack: 0, hasAck: false,
      len: 0, win: 0, opts: '', why: this.injecting ? -1 : this.ends[e].stack.net.txReason, fate: 'flight',
      arrive: this.nextArrival[e], rel: false, spoof: '', sport: 0, dport: 0, other: '',
    };
    const ok = ipv4.checkLen(pkt, 0, len) === 0 && ipv4.protocol(pkt, 0) === ipv4.PROTO_TCP;
    if (!ok) {
      seg.other = describePacket(pkt, 0, len);
    } else {
      const hl = ipv4.ihl(pkt, 0) << 2;
      const off = hl;
      const tl = ipv4.totalLen(pkt, 0) - hl;
      const src = ipv4.srcAddr(pkt, 0);
      const dst = ipv4.dstAddr(pkt, 0);
      const own = ipv4.parseAddr(this.opts.addrs[e]) as number;
      const peer = this.peerAddr(e);
      if (src !== own) seg.spoof = 'src ' + ipv4.formatAddr(src);
      else if (dst !== peer) seg.spoof = 'dst ' + ipv4.formatAddr(dst);
      const f = tcpw.flags(pkt, off);
      const seq = tcpw.seqNumber(pkt, off) >>> 0;
      const ack = tcpw.ackNumber(pkt, off) >>> 0;
      const key = ep(src, tcpw.srcPort(pkt, off)) + '>' + ep(dst, tcpw.dstPort(pkt, off));
      const back = ep(dst, tcpw.dstPort(pkt, off)) + '>' + ep(src, tcpw.srcPort(pkt, off));
      if (f & tcpw.SYN) this.isn[key] = seq;
      const mine = this.isn[key];
      const theirs = this.isn[back];
      seg.flags = tcpw.flagsToString(f);
      seg.rel = mine !== undefined;
      seg.seq = mine !== undefined ? (seq - mine) >>> 0 : seq;
      seg.hasAck = (f & tcpw.ACK) !== 0;
      seg.ack = theirs !== undefined ? (ack - theirs) >>> 0 : ack;
      const dataOff = tcpw.dataOffset(pkt, off) << 2;
      seg.len = tl - dataOff;
      seg.win = tcpw.window(pkt, off);
      seg.opts = optionText(pkt, off, dataOff, theirs === undefined ? null : theirs);
      seg.sport = tcpw.srcPort(pkt, off);
      seg.dport = tcpw.dstPort(pkt, off);
    }
    for (const d of this.dropSpecs) {
      if ((d.dir < 0 && d.n === seg.n) || (d.dir === e && d.n === seg.nDir)) seg.fate = 'dropped';
    }
    this.story.events.push(seg);
    this.flight[e].push(seg);
  }

  /** The link lost the frame end e just wrote (--loss). */
  lostLast(e: number): void {
    const f = this.flight[e];
    const seg = f.pop();
    if (seg !== undefined) seg.fate = 'lost';
  }

  /** A frame reaches end e: match it to its segment; false if a drop takes it here. */
  arriving(e: number, _pkt: Uint8Array, _len: number): boolean {
    const seg = this.flight[1 - e].shift();
    if (seg === undefined) return true;
    if (seg.fate === 'dropped') return false;
    seg.fate = 'arrived';
    seg.arrive = this.now();
    this.story.events.push({ kind: 'arrive', t: this.now(), n: seg.n, end: e, drops: [] });
    return true;
  }

  /** Around the stack's input: remember its drop counters. */
  beforeInput(e: number): void {
    this.dropsBefore.set(this.ends[e].stack.drops);
  }

  /** After the stack's input: its transitions, and the drop counters it raised, go with the arrival. */
  afterInput(e: number): void {
    const d = this.ends[e].stack.drops;
    let arrive = null;
    for (let k = this.story.events.length - 1; k >= 0; k--) {
      const x = this.story.events[k];
      if (x.kind === 'arrive' && x.end === e) { arrive = x; break; }
    }
    for (let i = 0; i < DROP_COUNT; i++) {
      if (d[i] !== this.dropsBefore[i] && arrive !== null) arrive.drops.push(DROP_NAMES[i]);
    }
    this.flush(e);
  }

  /** Segments still on the line, oldest first. */
  inFlight(): SegEvent[] {
    return this.flight[0].concat(this.flight[1]).filter(function (s) { return s.fate === 'flight' || s.fate === 'dropped'; });
  }
}

/** Default world options (lessons override some). */
export const WORLD_DEFAULTS: WorldOptions = {
  seed: 1, loss: 0, mtu: 296, msl: 1000, baud: 115200, latency: 5, drops: [], config: [{}, {}],
  addrs: ['192.168.190.1', '192.168.190.2'], roles: ['client', 'server'], pcap: null,
};
