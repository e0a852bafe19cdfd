/**
 * The packetdrill-format script runner: drives ONE slipstack `Stack` with a script that plays
 * the remote peer, on a virtual clock, through a capture HAL (no link model, no serial delay).
 *
 * Contract (`runScript(text, opts)`):
 * - The stack is 192.168.190.2 (its `addr`), the peer 192.0.2.1 port 40000 (`remote_port=`
 *   in the header changes it); the stack's port is 8080 (`local_port=`). Runner defaults for
 *   the stack configuration, applied only to keys the stack's config knows (src/config.ts
 *   DEFAULTS): mtu=296 tcpRcvBuf=1024 tcpSndBuf=1024 tcpAckDelay=0 msl=120000
 *   tcpFinWait2Timeout=60000. `// slipstack: key=value` header directives override them and
 *   any other config key, and override the runner options (remote ISN, tolerance, strict).
 * - Sequence numbers in the script are relative: an inbound seq to the peer's ISN (default
 *   1000000, never 0, so a stack that confuses relative and absolute numbers fails), an inbound
 *   ack to the stack's ISS, learned from the first SYN the stack sends (relative to 0 before
 *   that, so `< . 1:1(0) ack 1` to a closed port means absolute ack 1); an outbound seq to
 *   the ISS and an outbound ack to the peer's ISN. Arithmetic is mod 2^32.
 * - Time is integer milliseconds. Before a statement at time T runs, the stack is polled at
 *   each deadline it returned that is <= T, in order; every packet it writes is collected
 *   with its emission time. A `>` statement takes the next collected packet (polling on up to
 *   T + tolerance if none is waiting) and compares flags, seq, len, ack (if given), the payload
 *   bytes (they must be the bytes `write` handed over, in stream order), ports and checksums,
 *   and in strict mode `win` (if given) and the options (none given = none expected; `<...>` =
 *   any); its emission time must lie within T ± tolerance (`*`: any time). A packet still
 *   waiting when a non-`>` statement runs is "unexpected outbound". Relative times after a
 *   `>` count from the packet's actual emission time, as in packetdrill.
 * - Socket calls map to the TCP API as listed on `Runner.call`;
 *   `fcntl`, `ioctl`, `poll`, unknown `setsockopt`/`getsockopt` options, backtick commands
 *   and `%{ }%` blocks are ignored and reported in `ignored` ("ignored: line N: ...").
 * - Inbound data carries a known byte pattern (a function of the stream offset, so
 *   retransmissions carry the same bytes); `read` checks what it gets against it. The scripts
 *   are single-connection, as packetdrill's are.
 * - The run stops at the first divergence and returns `{ ok: false, line, message }` with
 *   message `<what>: expected ... vs actual ...`. At the end nothing more is checked.
 * - `ladder` lists every packet (and socket call) in time order, packetdrill notation with
 *   relative numbers: `0.100 peer > stack  S 0:0(0) win 1000 <mss 1000>`.
 *
 * Host tool: allocates freely; never used on a board.
 */
import type { Hal, Receiver } from '../../src/hal.js';
import { describePacket } from '../../hal/tracer.js';
import { createStack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import { DEFAULTS } from '../../src/config.js';
import { OK, ERR_NAMES } from '../../src/wire/err.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as slip from '../../src/wire/slip.js';
import * as tcp from '../../src/wire/tcp.js';
import { parseScript, PktSyntaxError, formatOption } from './parse.js';
import type { CallStatement, PacketStatement, SegmentSpec, Statement, TcpOption } from './parse.js';

/** The part of the Stack's TCP API (src/stack.ts) the runner drives. */
export interface TcpStack {
  poll(now: number): number;
  tcpListen(port: number, backlog: number): number;
  tcpUnlisten(listener: number): void;
  tcpAccept(listener: number): number;
  tcpConnect(dstAddr: number, dstPort: number, srcPort: number): number;
  tcpConnectFrom(listener: number, dstAddr: number, dstPort: number): number;
  tcpWrite(conn: number, buf: Uint8Array, off: number, len: number): number;
  tcpRead(conn: number, buf: Uint8Array, off: number, len: number): number;
  tcpShutdown(conn: number): void;
  tcpClose(conn: number): void;
  tcpAbort(conn: number): void;
  tcpError(conn: number): number;
  tcpSetNoDelay?(conn: number, on: boolean): void;
}

/** Builds the stack under test around the runner's HAL (tests pass a fake). */
export type StackFactory = (config: Record<string, unknown>, hal: Hal) => TcpStack;

/** Options of runScript. Header directives in the script take precedence. */
export interface RunOptions {
  /** Compare `win` and options of outbound segments too (default false: portable). */
  strict?: boolean;
  /** Timing tolerance in ms (default 25). */
  tolerance?: number;
  /** The peer's ISN, absolute (default 1000000). */
  remoteIsn?: number;
  /** Build the stack (default: createStack from src/stack.ts). */
  createStack?: StackFactory;
}

/** What runScript returns. */
export interface RunResult {
  /** True when every statement ran as the script says. */
  ok: boolean;
  /** Line of the first divergence (0 when ok). */
  line: number;
  /** What diverged: `<what>: expected ... vs actual ...` ('' when ok). */
  message: string;
  /** One entry per ignored statement: `ignored: line N: text`. */
  ignored: string[];
  /** Every packet and call in time order, packetdrill notation. */
  ladder: string[];
  /** Statements in the script. */
  statements: number;
  /** Whether the run compared in strict mode. */
  strict: boolean;
}

/** The stack's address. */
export const LOCAL_ADDR = '192.168.190.2';
/** The scripted peer (RFC 5737 TEST-NET-1). */
export const REMOTE_ADDR = ipv4.addr(192, 0, 2, 1);
/** The peer's port unless the header says otherwise. */
export const REMOTE_PORT = 40000;
/** The stack's port unless the header says otherwise (bind does not name one in scripts). */
export const LOCAL_PORT = 8080;
/** Default peer ISN: non-zero so relative/absolute confusions show. */
export const DEFAULT_REMOTE_ISN = 1000000;
/** Default timing tolerance, ms. */
export const DEFAULT_TOLERANCE = 25;
/** Window of an inbound segment whose line gives none. */
export const DEFAULT_INBOUND_WIN = 65535;
/** How far (ms) a `* >` statement waits for a packet. */
const ANY_TIME_WAIT = 3600000;
/** Poll calls at one instant before the runner calls the stack's timers stuck. */
const MAX_POLLS_AT_ONE_TIME = 1000;

/** Runner defaults for the stack configuration, which every script assumes unless its `// slipstack:` line says otherwise (used for keys the config knows). */
export const RUNNER_CONFIG: Record<string, number | string | boolean> = {
  addr: LOCAL_ADDR, mtu: 296, tcpRcvBuf: 1024, tcpSndBuf: 1024, tcpAckDelay: 0, msl: 120000, tcpFinWait2Timeout: 60000,
};

/** Header keys that are spelled two ways (`tcpMsl` in a script's `// slipstack:` line, `msl` in the config). */
const CONFIG_ALIASES: Record<string, string> = { tcpMsl: 'msl', msl: 'tcpMsl' };

/** Linux errno names for the codes src/tcp/constants.ts uses (and EINPROGRESS for connect). */
export const ERRNO_NAMES: Record<number, string> = {
  9: 'EBADF', 11: 'EAGAIN', 22: 'EINVAL', 32: 'EPIPE', 98: 'EADDRINUSE', 104: 'ECONNRESET', 105: 'ENOBUFS',
  106: 'EISCONN', 107: 'ENOTCONN', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 115: 'EINPROGRESS',
};

/** Name of an errno code ('E123' for one the table lacks). */
export function errnoName(code: number): string {
  return ERRNO_NAMES[code] || 'E' + code;
}

const TWO32 = 4294967296;

/** x mod 2^32 as an unsigned number (for relative sequence numbers in text). */
function u32(x: number): number {
  return ((x % TWO32) + TWO32) % TWO32;
}

/** Byte `j` of the data the peer sends (stream 0) or the app writes (stream 1). */
export function patternByte(stream: number, j: number): number {
  return stream === 0 ? ((j * 31 + 7) ^ (j >>> 8)) & 0xff : ((j * 13 + 101) ^ (j >>> 9)) & 0xff;
}

/** Seconds with 3 decimals, as packetdrill writes times. */
export function fmtTime(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Encode options for an inbound segment, padded with EOL to a multiple of 4 octets (the data offset counts 32-bit words). */
export function encodeOptions(opts: TcpOption[]): Uint8Array {
  const b: number[] = [];
  const be = (n: number, octets: number) => {
    for (let i = octets - 1; i >= 0; i--) b.push(Math.floor(n / Math.pow(256, i)) & 0xff);
  };
  for (const o of opts) {
    switch (o.kind) {
      case 'eol': b.push(tcp.OPT_EOL); break;
      case 'nop': b.push(tcp.OPT_NOP); break;
      case 'mss': b.push(tcp.OPT_MSS, 4); be(o.value, 2); break;
      // RFC 7323 §2.2: kind 3, length 3, shift count.
      case 'wscale': b.push(3, 3, o.value); break;
      // RFC 2018 §2: SACK-permitted is kind 4, length 2.
      case 'sackOK': b.push(4, 2); break;
      // RFC 2018 §3: SACK is kind 5, length 2 + 8 per block.
      case 'sack': b.push(5, 2 + 8 * o.blocks.length); for (const [l, r] of o.blocks) { be(l, 4); be(r, 4); } break;
      // RFC 7323 §3.2: timestamps are kind 8, length 10, TSval then TSecr.
      case 'TS': b.push(8, 10); be(o.val, 4); be(o.ecr, 4); break;
      case 'unknown': b.push(o.code, o.len); for (let i = 2; i < o.len; i++) b.push(0); break;
    }
  }
  while (b.length % 4 !== 0) b.push(tcp.OPT_EOL);
  if (b.length > 40) throw new Error('options take ' + b.length + ' octets; a TCP header has room for 40');
  return Uint8Array.from(b);
}

/** Decode the option bytes buf[start, end) into the notation's terms; a string says why they are malformed. */
export function decodeOptions(buf: Uint8Array, start: number, end: number): TcpOption[] | string {
  const out: TcpOption[] = [];
  const be = (at: number, octets: number) => {
    let n = 0;
    for (let i = 0; i < octets; i++) n = n * 256 + buf[at + i];
    return n;
  };
  let i = start;
  while (i < end) {
    const kind = buf[i];
    if (kind === tcp.OPT_EOL) {
      // RFC 9293 MUST-69: the rest is padding.
      out.push({ kind: 'eol' });
      break;
    }
    if (kind === tcp.OPT_NOP) { out.push({ kind: 'nop' }); i++; continue; }
    if (i + 1 >= end) return 'option kind ' + kind + ' has no length octet';
    const len = buf[i + 1];
    if (len < 2 || i + len > end) return 'option kind ' + kind + ' has bad length ' + len;
    if (kind === tcp.OPT_MSS && len === 4) out.push({ kind: 'mss', value: be(i + 2, 2) });
    else if (kind === 3 && len === 3) out.push({ kind: 'wscale', value: buf[i + 2] });
    else if (kind === 4 && len === 2) out.push({ kind: 'sackOK' });
    else if (kind === 8 && len === 10) out.push({ kind: 'TS', val: be(i + 2, 4), ecr: be(i + 6, 4) });
    else if (kind === 5 && (len - 2) % 8 === 0 && len > 2) {
      const blocks: [number, number][] = [];
      for (let k = i + 2; k < i + len; k += 8) blocks.push([be(k, 4), be(k + 4, 4)]);
      out.push({ kind: 'sack', blocks });
    } else out.push({ kind: 'unknown', code: kind, len });
    i += len;
  }
  return out;
}

/**
 * SACK blocks shifted by `delta` (mod 2^32). Like packetdrill, scripts write them relative to
 * the same base as the segment's ack field: a block names octets of the other side's stream.
 */
export function shiftSack(opts: TcpOption[], delta: number): TcpOption[] {
  return opts.map((o) => o.kind === 'sack' ? { kind: 'sack', blocks: o.blocks.map(([l, r]) => [u32(l + delta), u32(r + delta)] as [number, number]) } : o);
}

/** Options as the notation writes them, trailing EOL padding left out. */
function optionsText(opts: TcpOption[]): string {
  const o = opts.slice();
  while (o.length > 0 && o[o.length - 1].kind === 'eol') o.pop();
  return o.map(formatOption).join(',');
}

/** A script segment back in the notation (for messages). */
export function formatSpec(s: SegmentSpec): string {
  let t = tcp.flagsToString(s.flags) + ' ' + s.seq + ':' + s.end + '(' + s.len + ')';
  if (s.ack !== null) t += ' ack ' + s.ack;
  if (s.win !== null) t += ' win ' + s.win;
  if (s.urg !== null) t += ' urg ' + s.urg;
  if (s.anyOptions) t += ' <...>';
  else if (s.options !== null) t += ' <' + optionsText(s.options) + '>';
  return t;
}

/** A TCP segment decoded from a captured or built packet. */
export interface Segment {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  /** Absolute, int32. */
  seq: number;
  /** Absolute, int32. */
  ack: number;
  flags: number;
  window: number;
  urgent: number;
  options: TcpOption[];
  payload: Uint8Array;
}

/** A packet the stack wrote, with its emission time. */
interface Captured {
  time: number;
  /** The IP packet. */
  bytes: Uint8Array;
  /** The TCP segment, or null when the packet is not good TCP (then `problem` says why). */
  seg: Segment | null;
  problem: string;
}

/** Decode a TCP/IPv4 packet (checksums verified); a string says what is wrong with it. */
export function decodeSegment(p: Uint8Array): Segment | string {
  const ip = new ipv4.Ipv4Repr();
  const e = ipv4.parseInto(ip, p, 0, p.length);
  if (e !== OK) return 'IPv4 ' + ERR_NAMES[e];
  if (ip.protocol !== ipv4.PROTO_TCP) return 'not TCP: ' + describePacket(p, 0, p.length);
  const r = new tcp.TcpRepr();
  const off = ip.headerLen;
  const te = tcp.parseInto(r, p, off, ip.payloadLen, ip.src, ip.dst);
  if (te !== OK) return 'TCP ' + ERR_NAMES[te];
  const opts = decodeOptions(p, off + tcp.HEADER_LEN, off + r.headerLen);
  if (typeof opts === 'string') return 'TCP options: ' + opts;
  return {
    src: ip.src, dst: ip.dst, srcPort: r.srcPort, dstPort: r.dstPort, seq: r.seq, ack: r.ack, flags: r.flags,
    window: r.window, urgent: r.urgent, options: opts,
    payload: p.slice(off + r.headerLen, off + r.headerLen + r.payloadLen),
  };
}

/** A segment in the notation, sequence numbers relative to seqBase / ackBase (absolute int32s). */
export function formatSegment(s: Segment, seqBase: number, ackBase: number): string {
  const seq = u32(s.seq - seqBase);
  let t = tcp.flagsToString(s.flags) + ' ' + seq + ':' + u32(seq + s.payload.length) + '(' + s.payload.length + ')';
  if (s.flags & tcp.ACK) t += ' ack ' + u32(s.ack - ackBase);
  t += ' win ' + s.window;
  if (s.flags & tcp.URG) t += ' urg ' + s.urgent;
  if (s.options.length > 0) t += ' <' + optionsText(shiftSack(s.options, -ackBase)) + '>';
  return t;
}

/** A divergence: stops the run. */
class Divergence extends Error {
  line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/** What the script's fd stands for. */
interface FdEntry {
  kind: 'socket' | 'listener' | 'conn';
  /** Listener or connection handle. */
  handle: number;
  /** Octets read so far (for the data pattern check). */
  readOff: number;
  /** SO_LINGER {onoff=1, linger=0}: close means abort (RST). */
  linger0: boolean;
}

/** An actual call result. */
interface CallResult {
  ret: number;
  errno: string | null;
}

/** The default factory: the real stack. */
function realStack(config: Record<string, unknown>, hal: Hal): TcpStack {
  return createStack(config as StackConfig, hal) as unknown as TcpStack;
}

/** The runner's stack configuration: defaults the config knows, then the script's overrides. */
export function stackConfig(overrides: Record<string, number | string | boolean>, known: Record<string, unknown>): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  for (const k of Object.keys(RUNNER_CONFIG)) if (k in known) c[k] = RUNNER_CONFIG[k];
  for (const k of Object.keys(overrides)) {
    const alias = CONFIG_ALIASES[k];
    const key = !(k in known) && alias !== undefined && alias in known ? alias : k;
    c[key] = overrides[k];
  }
  return c;
}

/** One run of one script. */
class Runner {
  private stack!: TcpStack;
  private rx: Receiver | null = null;
  private now = 0;
  private deadline = Infinity;
  private pollsHere = 0;
  private queue: Captured[] = [];
  private decoder: slip.SlipDecoder;
  private localAddr: number;
  private localPort: number;
  private remotePort: number;
  private remoteIsn: number;
  private iss = 0;
  private issKnown = false;
  private tolerance: number;
  private strict: boolean;
  private fds = new Map<number, FdEntry>();
  /** Octets the app has handed to tcpWrite (the outbound stream). */
  private written = 0;
  private ipIdent = 1;
  ladder: string[] = [];
  ignored: string[] = [];

  constructor(private script: ReturnType<typeof parseScript>, opts: RunOptions) {
    const h = script.header;
    this.strict = h.strict !== null ? h.strict : !!opts.strict;
    this.tolerance = h.tolerance !== null ? h.tolerance : opts.tolerance !== undefined ? opts.tolerance : DEFAULT_TOLERANCE;
    this.remoteIsn = (h.remoteIsn !== null ? h.remoteIsn : opts.remoteIsn !== undefined ? opts.remoteIsn : DEFAULT_REMOTE_ISN) | 0;
    this.remotePort = h.remotePort !== null ? h.remotePort : REMOTE_PORT;
    this.localPort = h.localPort !== null ? h.localPort : LOCAL_PORT;
    const config = stackConfig(h.config, opts.createStack ? { ...RUNNER_CONFIG, ...h.config } : (DEFAULTS as unknown as Record<string, unknown>));
    const a = ipv4.parseAddr(String(config.addr !== undefined ? config.addr : LOCAL_ADDR));
    if (a === null) throw new Error('addr "' + config.addr + '" is not a dotted quad');
    this.localAddr = a;
    this.decoder = new slip.SlipDecoder(65535, (buf, len) => this.captured(buf.slice(0, len)));
    const self = this;
    const hal: Hal = {
      write(buf, off, len) { self.decoder.push(buf, off, len); },
      setReceiver(r) { self.rx = r; },
      now() { return self.now; },
      random32() { return 0x5eed1234; },
    };
    this.stack = (opts.createStack || realStack)(config, hal);
    this.deadline = this.poll(0, 0);
  }

  /** `stack.poll` (an exception is a divergence at `line`), with a non-number answer read as "no deadline". */
  private poll(t: number, line: number): number {
    const d = this.guard(line, () => this.stack.poll(t));
    return typeof d === 'number' && d === d ? d : Infinity;
  }

  /** A packet the stack wrote: decode, learn our ISS from its first SYN, queue, ladder. */
  private captured(bytes: Uint8Array): void {
    const d = decodeSegment(bytes);
    const c: Captured = { time: this.now, bytes, seg: null, problem: '' };
    if (typeof d === 'string') {
      c.problem = d;
      this.ladder.push(fmtTime(this.now) + ' stack > peer  ?? ' + d);
    } else {
      c.seg = d;
      if ((d.flags & tcp.SYN) && !this.issKnown) {
        this.iss = d.seq;
        this.issKnown = true;
      }
      this.ladder.push(fmtTime(this.now) + ' stack > peer  ' + this.outText(d));
    }
    this.queue.push(c);
  }

  /** An outbound segment in relative notation, with its ports when they are not the script's. */
  private outText(s: Segment): string {
    let t = formatSegment(s, this.iss, this.remoteIsn);
    if (s.srcPort !== this.localPort || s.dstPort !== this.remotePort) t += ' [ports ' + s.srcPort + ' > ' + s.dstPort + ']';
    if (s.dst !== REMOTE_ADDR) t += ' [to ' + ipv4.formatAddr(s.dst) + ']';
    return t;
  }

  /** Run the next deadline if it is <= limit; false when there is none. */
  private step(limit: number, line: number): boolean {
    if (!(this.deadline <= limit)) return false;
    const t = Math.max(this.now, Math.ceil(this.deadline));
    if (t === this.now) {
      if (++this.pollsHere > MAX_POLLS_AT_ONE_TIME) {
        throw new Divergence(line, 'timers: stack.poll(' + t + ') keeps returning a deadline <= now (' + this.deadline + ')');
      }
    } else {
      this.pollsHere = 0;
    }
    this.now = t;
    this.deadline = this.poll(t, line);
    return true;
  }

  /** Poll every deadline <= t in order, then stand at t. */
  private runTo(t: number, line: number): void {
    while (this.step(t, line)) { /* each step runs one deadline */ }
    if (t > this.now) {
      this.now = t;
      this.pollsHere = 0;
    }
  }

  /** Run the whole script; returns the result. */
  run(): RunResult {
    const sts = this.script.statements;
    const res = { ignored: this.ignored, ladder: this.ladder, statements: sts.length, strict: this.strict };
    if (typeof this.stack.tcpListen !== 'function') {
      return { ...res, ok: false, line: sts.length > 0 ? sts[0].line : 0, message: 'stack: this stack has no TCP API (stack.tcpListen is missing)' };
    }
    // Relative times count from `base`: the previous statement's time, or for a `>` statement
    // the time its packet was actually sent. `prev` is the previous statement's script time
    // (absolute times must not go back before it).
    let base = 0;
    let prev = 0;
    try {
      for (const st of sts) {
        const t = this.timeOf(st, base);
        if (st.time.kind !== 'any' && t < prev) {
          throw new Divergence(st.line, 'time: this statement is at ' + fmtTime(t) + ', before the previous one (' + fmtTime(prev) + ')');
        }
        if (st.type === 'packet' && st.dir === '>') {
          base = this.expectOutbound(st, t);
          prev = st.time.kind === 'any' ? base : t;
          continue;
        }
        // After a late packet the clock may already be past t: the statement runs now.
        this.runTo(t, st.line);
        this.noUnexpected(st.line);
        base = st.time.kind === 'any' ? this.now : t;
        prev = base;
        if (st.type === 'packet') this.inbound(st);
        else if (st.type === 'call') this.call(st);
        else this.ignore(st, '');
        this.deadline = this.poll(this.now, st.line);
      }
    } catch (e) {
      if (e instanceof Divergence) return { ...res, ok: false, line: e.line, message: e.message };
      throw e;
    }
    return { ...res, ok: true, line: 0, message: '' };
  }

  /**
   * When a statement runs, in ms: its time, relative ones counted from `last`. A blocking
   * call written `A...B` runs at B (it returned then); a `~` range starts at A.
   */
  private timeOf(st: Statement, last: number): number {
    if (st.time.kind === 'any') return this.now;
    const ms = st.type === 'call' && st.time.range === '...' && st.time.endMs !== null ? st.time.endMs : st.time.ms;
    return st.time.kind === 'rel' ? last + ms : ms;
  }

  /** Fail if a packet is waiting that no `>` statement claimed. */
  private noUnexpected(line: number): void {
    if (this.queue.length === 0) return;
    const c = this.queue[0];
    throw new Divergence(line, 'unexpected outbound packet: expected nothing before this line vs actual ' +
      this.capturedText(c) + ' at ' + fmtTime(c.time));
  }

  private capturedText(c: Captured): string {
    return c.seg !== null ? '"' + this.outText(c.seg) + '"' : '"' + c.problem + '"';
  }

  private ignore(st: Statement, why: string): void {
    this.ignored.push('ignored: line ' + st.line + ': ' + st.text + (why ? ' (' + why + ')' : ''));
  }

  // ---- outbound --------------------------------------------------------------------------

  /** A `>` statement: take the next packet (waiting up to the window's end) and compare. Returns its emission time. */
  private expectOutbound(st: PacketStatement, t: number): number {
    const any = st.time.kind === 'any';
    let lo = t - this.tolerance;
    let hi = t + this.tolerance;
    // `A~B`: any time from A to B (plus the tolerance) will do.
    if (!any && st.time.endMs !== null) hi = t - st.time.ms + st.time.endMs + this.tolerance;
    if (any) {
      lo = -Infinity;
      hi = this.now + ANY_TIME_WAIT;
    }
    while (this.queue.length === 0 && this.step(hi, st.line)) { /* poll until the stack sends something */ }
    const want = '"' + formatSpec(st.seg) + '"' + (any ? '' : ' at ' + fmtTime(t));
    if (this.queue.length === 0) {
      throw new Divergence(st.line, 'outbound: expected ' + want + ' vs actual: nothing was sent by ' + fmtTime(hi));
    }
    const c = this.queue.shift() as Captured;
    const got = this.capturedText(c) + ' at ' + fmtTime(c.time);
    const differ = (what: string) => new Divergence(st.line, what + ': expected ' + want + ' vs actual ' + got);
    const s = c.seg;
    if (s === null) throw differ('outbound (' + c.problem + ')');
    const sp = st.seg;
    if (s.src !== this.localAddr || s.dst !== REMOTE_ADDR) throw differ('addresses (' + ipv4.formatAddr(s.src) + ' > ' + ipv4.formatAddr(s.dst) + ')');
    if (s.srcPort !== this.localPort || s.dstPort !== this.remotePort) throw differ('ports');
    if (s.flags !== sp.flags) throw differ('flags');
    if (u32(s.seq - this.iss) !== sp.seq) throw differ('seq');
    if (s.payload.length !== sp.len) throw differ('len');
    if (sp.ack !== null && u32(s.ack - this.remoteIsn) !== sp.ack) throw differ('ack');
    this.checkPayload(s, differ);
    if (this.strict) {
      if (sp.win !== null && s.window !== sp.win) throw differ('win (strict)');
      if (!sp.anyOptions && optionsText(shiftSack(s.options, -this.remoteIsn)) !== optionsText(sp.options || [])) throw differ('options (strict)');
    }
    if (c.time < lo || c.time > hi) {
      throw differ('time (tolerance ' + this.tolerance + ' ms)');
    }
    return c.time;
  }

  /** Outbound data must be the bytes the app wrote, at their stream offsets. */
  private checkPayload(s: Segment, differ: (what: string) => Divergence): void {
    const n = s.payload.length;
    if (n === 0) return;
    // The first data octet follows the SYN, which takes one sequence number (RFC 9293 §3.4).
    const first = u32(s.seq - this.iss + ((s.flags & tcp.SYN) ? 1 : 0) - 1);
    if (first + n > this.written) {
      throw differ('payload (stream octets ' + first + '..' + (first + n) + ' but the app wrote only ' + this.written + ')');
    }
    for (let k = 0; k < n; k++) {
      const want = patternByte(1, first + k);
      if (s.payload[k] !== want) {
        throw differ('payload (stream octet ' + (first + k) + ' is 0x' + s.payload[k].toString(16) + ', the app wrote 0x' + want.toString(16) + ')');
      }
    }
  }

  // ---- inbound ---------------------------------------------------------------------------

  /** A `<` statement: build the segment, SLIP-encode it, hand it to the stack's receiver. */
  private inbound(st: PacketStatement): void {
    const sp = st.seg;
    let optBytes: Uint8Array;
    try {
      optBytes = encodeOptions(shiftSack(sp.options || [], this.issKnown ? this.iss : 0));
    } catch (e) {
      throw new Divergence(st.line, 'options: ' + (e as Error).message);
    }
    const seq = (this.remoteIsn + sp.seq) | 0;
    const ack = sp.ack !== null ? ((this.issKnown ? this.iss : 0) + sp.ack) | 0 : 0;
    const hl = tcp.HEADER_LEN + optBytes.length;
    const p = new Uint8Array(ipv4.HEADER_LEN + hl + sp.len);
    const l4 = ipv4.HEADER_LEN;
    p.set(optBytes, l4 + tcp.HEADER_LEN);
    const first = u32(sp.seq + ((sp.flags & tcp.SYN) ? 1 : 0) - 1);
    for (let k = 0; k < sp.len; k++) p[l4 + hl + k] = patternByte(0, first + k);
    const r = new tcp.TcpRepr();
    r.srcPort = this.remotePort;
    r.dstPort = this.localPort;
    r.seq = seq;
    r.ack = ack;
    r.flags = sp.flags;
    r.window = sp.win !== null ? sp.win : DEFAULT_INBOUND_WIN;
    r.urgent = sp.urg !== null ? sp.urg : 0;
    r.mss = 0;
    // emit writes a 20-octet header and checksums "payload" = options + data; then the data
    // offset is corrected to cover the options and the checksum redone.
    r.payloadLen = optBytes.length + sp.len;
    const tlen = tcp.emit(r, p, l4, REMOTE_ADDR, this.localAddr);
    p[l4 + 12] = (hl >> 2) << 4;
    tcp.fillChecksum(p, l4, tlen, REMOTE_ADDR, this.localAddr);
    const ip = new ipv4.Ipv4Repr();
    ip.src = REMOTE_ADDR;
    ip.dst = this.localAddr;
    ip.protocol = ipv4.PROTO_TCP;
    ip.ttl = 64;
    ip.ident = this.ipIdent++ & 0xffff;
    ip.dontFrag = true;
    ip.payloadLen = tlen;
    ipv4.emit(ip, p, 0);
    const d = decodeSegment(p);
    const text = typeof d === 'string' ? d : formatSegment(d, this.remoteIsn, this.issKnown ? this.iss : 0);
    this.ladder.push(fmtTime(this.now) + ' peer > stack  ' + text);
    const frame = new Uint8Array(2 * p.length + 2);
    const n = slip.encode(p, 0, p.length, frame, 0);
    if (this.rx === null) throw new Divergence(st.line, 'stack: it never registered a HAL receiver');
    const rx = this.rx;
    this.guard(st.line, () => rx(frame, 0, n));
  }

  /** Run f; an exception from the stack is a divergence. */
  private guard<T>(line: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof Divergence) throw e;
      throw new Divergence(line, 'stack threw: ' + ((e as Error).stack || String(e)).split('\n').slice(0, 3).join(' | '));
    }
  }

  // ---- socket calls ----------------------------------------------------------------------

  /**
   * A socket call, mapped to the TCP API:
   *   socket -> a new fd (its number is the one the script expects); bind -> nothing (the port
   *   is `local_port`, default 8080); listen -> tcpListen; accept -> tcpAccept (-1 EAGAIN when
   *   the queue is empty); connect -> tcpConnect, or tcpConnectFrom on a listening fd (returns
   *   -1 EINPROGRESS; a script's `= 0` is accepted too); write/send -> tcpWrite of the outbound
   *   pattern (-EAGAIN = -1 EAGAIN); read/recv -> tcpRead (0 at the end of the stream,
   *   negative = -1 errno) with the bytes checked; shutdown SHUT_WR/SHUT_RDWR -> tcpShutdown;
   *   close -> tcpClose / tcpUnlisten (tcpAbort after SO_LINGER {onoff=1, linger=0});
   *   getsockopt SO_ERROR -> tcpError; setsockopt TCP_NODELAY -> tcpSetNoDelay.
   * A StackError thrown by the stack becomes `-1 <errno>`.
   */
  private call(st: CallStatement): void {
    const name = st.name;
    if (name === 'fcntl' || name === 'ioctl' || name === 'poll' || name === 'epoll_wait') {
      this.ignore(st, '');
      return;
    }
    // The call's ladder line goes before the packets it makes the stack send.
    const at = this.ladder.length;
    let r: CallResult | null;
    try {
      r = this.doCall(st);
    } catch (e) {
      if (e instanceof Divergence) throw e;
      const code = (e as { code?: unknown }).code;
      if (typeof code !== 'number') {
        throw new Divergence(st.line, 'stack threw: ' + ((e as Error).stack || String(e)).split('\n').slice(0, 3).join(' | '));
      }
      r = { ret: -1, errno: errnoName(code) };
    }
    if (r === null) return;
    const actual = r.ret + (r.errno !== null ? ' ' + r.errno : '');
    this.ladder.splice(at, 0, fmtTime(this.now) + ' app           ' + name + '(' + st.args.join(', ') + ') = ' + actual);
    const expected = st.ret + (st.errno !== null ? ' ' + st.errno : '');
    // A blocking connect's `= 0` is fine: ours never blocks; the handshake lines check the rest.
    if (name === 'connect' && st.ret === 0 && r.ret === -1 && r.errno === 'EINPROGRESS') return;
    if (r.ret !== st.ret || (st.errno !== null && st.errno !== r.errno)) {
      throw new Divergence(st.line, name + ': expected = ' + expected + ' vs actual = ' + actual);
    }
  }

  /** The fd's entry, or a divergence saying the script used an fd it never opened. */
  private fd(st: CallStatement, kinds: string[]): FdEntry {
    const n = Number(st.args[0]);
    const e = this.fds.get(n);
    if (e === undefined) throw new Divergence(st.line, st.name + ': fd "' + st.args[0] + '" is not open in this script');
    if (kinds.indexOf(e.kind) < 0) throw new Divergence(st.line, st.name + ': fd ' + n + ' is a ' + e.kind + ', not a ' + kinds.join(' or '));
    return e;
  }

  /** An integer argument. */
  private intArg(st: CallStatement, i: number): number {
    const n = Number(st.args[i]);
    if (!(n >= 0 && n === Math.floor(n))) throw new Divergence(st.line, st.name + ': argument ' + (i + 1) + ' must be a count, got "' + st.args[i] + '"');
    return n;
  }

  /** Carry out the call; null = ignored (already reported). Throws what the stack throws. */
  private doCall(st: CallStatement): CallResult | null {
    const s = this.stack;
    switch (st.name) {
      case 'socket': {
        if (st.ret >= 0) this.fds.set(st.ret, { kind: 'socket', handle: -1, readOff: 0, linger0: false });
        return { ret: st.ret, errno: st.errno };
      }
      case 'bind':
        this.fd(st, ['socket']);
        return { ret: 0, errno: null };
      case 'listen': {
        const e = this.fd(st, ['socket', 'listener']);
        if (e.kind === 'listener') return { ret: 0, errno: null };
        const backlog = st.args.length > 1 ? this.intArg(st, 1) : 1;
        e.handle = s.tcpListen(this.localPort, backlog > 0 ? backlog : 1);
        e.kind = 'listener';
        return { ret: 0, errno: null };
      }
      case 'accept': {
        const e = this.fd(st, ['listener']);
        const conn = s.tcpAccept(e.handle);
        if (conn < 0) return { ret: -1, errno: 'EAGAIN' };
        let fd = st.ret;
        if (fd < 0 || this.fds.has(fd)) { fd = 3; while (this.fds.has(fd)) fd++; }
        this.fds.set(fd, { kind: 'conn', handle: conn, readOff: 0, linger0: false });
        return { ret: fd, errno: null };
      }
      case 'connect': {
        const e = this.fd(st, ['socket', 'listener']);
        // RFC 793 §3.9 OPEN on a LISTEN endpoint: it becomes active (LISTEN -> SYN-SENT).
        e.handle = e.kind === 'listener' ? s.tcpConnectFrom(e.handle, REMOTE_ADDR, this.remotePort)
          : s.tcpConnect(REMOTE_ADDR, this.remotePort, this.localPort);
        e.kind = 'conn';
        return { ret: -1, errno: 'EINPROGRESS' };
      }
      case 'write': case 'send': {
        const e = this.fd(st, ['conn']);
        const count = this.intArg(st, 2);
        const buf = new Uint8Array(count);
        for (let k = 0; k < count; k++) buf[k] = patternByte(1, this.written + k);
        const n = s.tcpWrite(e.handle, buf, 0, count);
        if (n >= 0) { this.written += n; return { ret: n, errno: null }; }
        return { ret: -1, errno: errnoName(-n) };
      }
      case 'read': case 'recv': {
        const e = this.fd(st, ['conn']);
        const count = this.intArg(st, 2);
        const buf = new Uint8Array(count);
        // The stack's read speaks errno already: 0 = the peer's FIN with all data read.
        const n = s.tcpRead(e.handle, buf, 0, count);
        if (n < 0) return { ret: -1, errno: errnoName(-n) };
        if (n > count) throw new Divergence(st.line, st.name + ': the stack returned ' + n + ' octets for a ' + count + '-octet buffer');
        for (let k = 0; k < n; k++) {
          const want = patternByte(0, e.readOff + k);
          if (buf[k] !== want) {
            throw new Divergence(st.line, st.name + ' data: expected the peer\'s stream octet ' + (e.readOff + k) + ' = 0x' + want.toString(16) +
              ' vs actual 0x' + buf[k].toString(16));
          }
        }
        e.readOff += n;
        return { ret: n, errno: null };
      }
      case 'shutdown': {
        const how = st.args[1] || '';
        if (how === 'SHUT_RD') { this.ignore(st, 'SHUT_RD has no TCP effect here'); return null; }
        const e = this.fd(st, ['conn', 'socket', 'listener']);
        if (e.kind !== 'conn') return { ret: -1, errno: 'ENOTCONN' };
        s.tcpShutdown(e.handle);
        return { ret: 0, errno: null };
      }
      case 'close': {
        const n = Number(st.args[0]);
        const e = this.fds.get(n);
        if (e === undefined) return { ret: -1, errno: 'EBADF' };
        this.fds.delete(n);
        if (e.kind === 'listener') s.tcpUnlisten(e.handle);
        else if (e.kind === 'conn') {
          if (e.linger0) s.tcpAbort(e.handle);
          else s.tcpClose(e.handle);
        }
        return { ret: 0, errno: null };
      }
      case 'getsockopt': {
        if (st.args[2] !== 'SO_ERROR') { this.ignore(st, 'option not modelled'); return null; }
        const e = this.fd(st, ['conn', 'socket', 'listener']);
        const err = e.kind === 'conn' ? s.tcpError(e.handle) : 0;
        const m = /^\[\s*(\w+)\s*\]$/.exec(st.args[3] || '');
        const want = m ? m[1] : '0';
        const got = err === 0 ? '0' : errnoName(err);
        if (want !== got && !(want === '0' && got === '0')) {
          throw new Divergence(st.line, 'getsockopt SO_ERROR: expected [' + want + '] vs actual [' + got + ']');
        }
        return { ret: 0, errno: null };
      }
      case 'setsockopt': {
        const opt = st.args[2];
        const val = st.args[3] || '';
        if (opt === 'TCP_NODELAY' && typeof s.tcpSetNoDelay === 'function') {
          const e = this.fd(st, ['conn', 'socket', 'listener']);
          if (e.kind === 'conn') {
            s.tcpSetNoDelay(e.handle, !/^\[\s*0\s*\]$/.test(val));
            return { ret: 0, errno: null };
          }
        }
        if (opt === 'SO_LINGER') {
          const e = this.fd(st, ['conn', 'socket', 'listener']);
          const on = /onoff\s*=\s*([0-9]+)/.exec(val);
          const lg = /linger\s*=\s*([0-9]+)/.exec(val);
          e.linger0 = !!on && on[1] !== '0' && !!lg && lg[1] === '0';
          return { ret: 0, errno: null };
        }
        this.ignore(st, 'option not modelled');
        return null;
      }
      default:
        throw new Divergence(st.line, st.name + ': this runner does not support that call');
    }
  }
}

/** Parse and run one script against a fresh stack. Never throws for a bad script or stack. */
export function runScript(text: string, opts?: RunOptions): RunResult {
  const o = opts || {};
  let script;
  try {
    script = parseScript(text);
  } catch (e) {
    if (e instanceof PktSyntaxError) {
      return { ok: false, line: e.line, message: 'syntax: ' + e.message.replace(/^line \d+: /, ''), ignored: [], ladder: [], statements: 0, strict: !!o.strict };
    }
    throw e;
  }
  let runner: Runner;
  try {
    runner = new Runner(script, o);
  } catch (e) {
    const line = script.statements.length > 0 ? script.statements[0].line : 1;
    return { ok: false, line, message: 'stack: could not be created: ' + (e as Error).message, ignored: [], ladder: [], statements: script.statements.length, strict: !!o.strict };
  }
  return runner.run();
}
