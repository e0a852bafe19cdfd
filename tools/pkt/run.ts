/**
 * The packetdrill-format script runner: drives ONE slipstack `Stack` with a script that plays
 * the remote peer, on a virtual clock, through a capture HAL (no link model, no serial delay).
 *
 * Contract (`runScript(text, opts)`):
 * - The stack is 192.168.190.2 (its `addr`), the peer 192.0.2.1 port 40000 (`remote_port=`
 *   in the header changes it; the option lines `--local_ip=` / `--remote_ip=` change the
 *   addresses); the stack's port is 8080 (`local_port=`). Runner defaults for the stack
 *   configuration, applied only to keys the stack's config knows (src/config.ts DEFAULTS):
 *   mtu=296 tcpRcvBuf=1024 tcpSndBuf=1024 tcpAckDelay=0 msl=120000 tcpFinWait2Timeout=60000.
 *   Then, each overriding the one before: `opts.config` (the command line's `--config`),
 *   host settings the script's set-up commands make (`sysctl` lines before the first call or
 *   packet, table HOST_SETTINGS), the `--mtu=` option line, and `// slipstack: key=value`
 *   header directives. Header directives also override the runner options (remote ISN,
 *   tolerance, strict), and the `--tolerance_usecs=` option line overrides `opts.tolerance`.
 * - Sequence numbers in the script are relative: an inbound seq to the peer's ISN (default
 *   1000000, never 0, so a stack that confuses relative and absolute numbers fails), an inbound
 *   ack to the stack's ISS, learned from the first SYN the stack sends (relative to 0 before
 *   that, so `< . 1:1(0) ack 1` to a closed port means absolute ack 1); an outbound seq to
 *   the ISS and an outbound ack to the peer's ISN. Arithmetic is mod 2^32. NPLab's `!` makes a
 *   seq absolute; `...(LEN)` on an outbound line accepts any seq.
 * - Time is integer milliseconds. Before a statement at time T runs, the stack is polled at
 *   each deadline it returned that is <= T, in order; every packet it writes is collected
 *   with its emission time. A `>` statement takes the next collected packet (polling on up to
 *   T + tolerance if none is waiting) and compares flags, seq, len, ack (if given), the payload
 *   bytes (they must be the bytes `write` handed over, in stream order), ports, checksums and
 *   the IP fields the line names (`[noecn]`, `(tos ..)`, `(ttl ..)`), and in strict mode `win`
 *   (if given) and the options (none given = none expected; `<...>` = any); its emission time
 *   must lie within T ± tolerance (`*`: any time). An ICMP `>` line compares type and code. A
 *   packet still waiting when a non-`>` statement runs is "unexpected outbound"; in strict
 *   mode so is one sent within the tolerance after the last statement. Relative times after a
 *   `>` count from the packet's actual emission time, as in packetdrill.
 * - A blocking call `A...B call()` starts at A (connect sends its SYN then), the statements
 *   after it run while it is pending (relative times count from A), and it completes at B:
 *   before the first statement later than B, before the next call, or at the end; its result
 *   is taken then. Whether it could have returned earlier is not checked.
 * - Socket calls map to the TCP API in one place, `SocketMap` (see `Runner.doCall` for the
 *   call list). Statements the runner cannot model are ignored and listed in `ignored`
 *   (`ignored: line N: ...`): backtick commands, `%{ }%` blocks, poll/epoll, and socket options
 *   the stack does not have. In strict mode an ignored call that asserts a result (anything but
 *   `= 0`, or a getsockopt/ioctl value) fails the script. Statements that cannot be ignored
 *   (IPv6, UDP, TCP over UDP, PSP, sendmsg, Fast Open sends...) stop the run with the verdict
 *   `unsupported`.
 * - Inbound data carries a known byte pattern (a function of the stream offset, so
 *   retransmissions carry the same bytes); `read` checks what it gets against it. The scripts
 *   are single-connection, as packetdrill's are. `recv(..., MSG_PEEK)` checks the bytes
 *   without consuming them. `EWOULDBLOCK` and `EAGAIN` are one errno.
 * - Verdicts: `pass`; `fail` (the first divergence, `<what>: expected ... vs actual ...`);
 *   `unsupported` (a statement the runner cannot carry out, or a divergence after the script
 *   relied on something the stack does not model: window scaling or timestamps negotiated in
 *   the script, Fast Open, MD5, ECN, an ignored socket option, a buffer size); `os-choice` (a
 *   divergence while a set-up command has selected an operating system's departure from
 *   RFC-conformant behaviour, table OS_CHOICES: FreeBSD's insecure_rst, for instance);
 *   `syntax` (the script does not parse).
 * - `ladder` lists every packet (and socket call) in time order, packetdrill notation with
 *   relative numbers: `0.100 peer > stack  S 0:0(0) win 1000 <mss 1000>`.
 *
 * Host tool: allocates freely; never used on a board.
 */
import type { Hal, Receiver } from '../../src/hal.js';
import { describePacket } from '../../hal/tracer.js';
import { createStack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import { DEFAULTS, resolveConfig } from '../../src/config.js';
import { OK, ERR_NAMES } from '../../src/wire/err.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as icmp from '../../src/wire/icmp.js';
import * as slip from '../../src/wire/slip.js';
import * as tcp from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import { parseScript, PktSyntaxError, formatOption } from './parse.js';
import type { CallStatement, PacketStatement, SegmentSpec, Statement, TcpOption, Script, IpInfo } from './parse.js';

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
  tcpState?(conn: number): number;
  tcpSetNoDelay?(conn: number, on: boolean): void;
  tcpSetKeepAlive?(conn: number, on: boolean): void;
  tcpSetR2?(conn: number, ms: number): void;
  /** Copy readable octets without consuming them (like tcpRead otherwise). */
  tcpPeek?(conn: number, buf: Uint8Array, off: number, len: number): number;
  /** Endpoint, sequence numbers and queues of a slot (out[7] is Recv-Q). */
  tcpEndpoint?(conn: number, out: Int32Array): void;
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
  /** `#ifdef` names and `NAME=VALUE` symbols (packetdrill's `--define`). */
  defines?: string[];
  /** Stack configuration overrides (the command line's `--config key=value`). */
  config?: Record<string, number | string | boolean>;
}

/** What became of a script. */
export type Verdict = 'pass' | 'fail' | 'unsupported' | 'os-choice' | 'syntax';

/** What runScript returns. */
export interface RunResult {
  /** True when every statement ran as the script says (verdict pass). */
  ok: boolean;
  /** pass, fail, unsupported, os-choice or syntax. */
  verdict: Verdict;
  /** unsupported: what is not supported; os-choice: the choice; '' otherwise. */
  reason: string;
  /** Line of the first divergence or unsupported statement (0 when ok). */
  line: number;
  /** What diverged: `<what>: expected ... vs actual ...` ('' when ok). */
  message: string;
  /** One entry per ignored statement: `ignored: line N: text`. */
  ignored: string[];
  /** What the script relied on that the stack does not model, and non-fatal call warnings: `line N: ...`. */
  notes: string[];
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
/** Linux's O_RDWR and O_NONBLOCK, what fcntl(F_GETFL) reports. */
const O_RDWR = 0x2;
const O_NONBLOCK = 0x800;

/** Runner defaults for the stack configuration, which every script assumes unless its `// slipstack:` line says otherwise (used for keys the config knows). */
export const RUNNER_CONFIG: Record<string, number | string | boolean> = {
  addr: LOCAL_ADDR, mtu: 296, tcpRcvBuf: 1024, tcpSndBuf: 1024, tcpAckDelay: 0, msl: 120000, tcpFinWait2Timeout: 60000,
};

/** Header keys that are spelled two ways (`tcpMsl` in a script's `// slipstack:` line, `msl` in the config). */
const CONFIG_ALIASES: Record<string, string> = { tcpMsl: 'msl', msl: 'tcpMsl' };

/** Linux errno names for the codes src/tcp/constants.ts uses, and the others scripts name. */
export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 9: 'EBADF', 11: 'EAGAIN', 14: 'EFAULT', 22: 'EINVAL', 32: 'EPIPE', 88: 'ENOTSOCK',
  92: 'ENOPROTOOPT', 95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH', 103: 'ECONNABORTED', 104: 'ECONNRESET', 105: 'ENOBUFS', 106: 'EISCONN', 107: 'ENOTCONN',
  110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 113: 'EHOSTUNREACH', 114: 'EALREADY', 115: 'EINPROGRESS',
};

/** Errno names that are the same errno under another name (POSIX allows EWOULDBLOCK == EAGAIN). */
const ERRNO_ALIASES: Record<string, string> = { EWOULDBLOCK: 'EAGAIN', ENOTSUP: 'EOPNOTSUPP', EDEADLOCK: 'EDEADLK' };

/** Name of an errno code ('E123' for one the table lacks). */
export function errnoName(code: number): string {
  return ERRNO_NAMES[code] || 'E' + code;
}

/** True when two errno names are the same errno (EWOULDBLOCK is EAGAIN). */
export function sameErrno(a: string, b: string): boolean {
  return (ERRNO_ALIASES[a] || a) === (ERRNO_ALIASES[b] || b);
}

/**
 * Set-up commands that select an operating system's departure from RFC-conformant behaviour.
 * slipstack keeps the RFC behaviour; a script that fails while one is selected gets the
 * verdict `os-choice`, naming it. Each entry maps `name=value` to the choice (null: none);
 * `after` (ms) limits it to failures that late (a timeout cannot explain an earlier one), and
 * `scope` to divergences of one kind.
 */
export const OS_CHOICES: ((name: string, value: string) => { what: string; after?: number; scope?: Scope } | null)[] = [
  (n, v) => n === 'net.inet.tcp.insecure_rst' && v === '1' ? { what: 'RFC 5961 §3 switched off: a RST anywhere in the window resets the connection (FreeBSD net.inet.tcp.insecure_rst=1)' } : null,
  (n, v) => n === 'net.inet.tcp.insecure_syn' && v === '1' ? { what: 'RFC 5961 §4 switched off: an in-window SYN resets the connection (FreeBSD net.inet.tcp.insecure_syn=1)' } : null,
  (n, v) => n === 'net.inet.tcp.drop_synfin' && v === '1' ? { what: 'segments with SYN and FIN are dropped (FreeBSD net.inet.tcp.drop_synfin=1)' } : null,
  (n, v) => n === 'net.inet.tcp.icmp_may_rst' && v === '0' ? { what: 'ICMP errors never abort a connection (FreeBSD net.inet.tcp.icmp_may_rst=0; RFC 1122 §4.2.3.9 SHOULD abort on hard errors)' } : null,
  (n, v) => n === 'net.inet.tcp.blackhole' && v !== '0' ? { what: 'no RST for segments to closed ports (FreeBSD net.inet.tcp.blackhole=' + v + ')' } : null,
  (n, v) => n === 'net.inet.tcp.syncookies_only' && v === '1' ? { what: 'SYN cookies for every SYN (FreeBSD net.inet.tcp.syncookies_only=1)' } : null,
  (n, v) => n === 'net.inet.tcp.rexmit_drop_options' && v === '1' ? { what: 'options left out of retransmitted SYNs (FreeBSD net.inet.tcp.rexmit_drop_options=1)', scope: 'options' } : null,
  // RFC 9293 MUST-23: R2 for a SYN is at least 3 minutes. Linux waits 1, 2, 4, ... s between tries.
  (n, v) => n === 'net.ipv4.tcp_syn_retries' && /^\d+$/.test(v) && (Math.pow(2, Number(v) + 1) - 1) * 1000 < 180000
    ? { what: 'a connection attempt given up after ' + v + ' retransmissions (Linux net.ipv4.tcp_syn_retries; RFC 9293 MUST-23 asks at least 3 minutes)', after: (Math.pow(2, Number(v) + 1) - 1) * 1000 } : null,
  (n, v) => n === 'net.inet.tcp.keepinit' && /^\d+$/.test(v) && Number(v) < 180000
    ? { what: 'a connection attempt given up after ' + v + ' ms (FreeBSD net.inet.tcp.keepinit; RFC 9293 MUST-23 asks at least 3 minutes)', after: Number(v) } : null,
];

/** Shell commands whose effect the runner cannot reproduce (pattern, what the script relies on, scope). */
const COMMANDS_UNMODELLED: [RegExp, string, Scope | undefined][] = [
  [/\bdefaults\.sh\b/, 'Linux\'s congestion control and loss recovery (gtests defaults.sh: CUBIC RFC 9438, initial window 10 RFC 6928, ' +
    'RACK-TLP RFC 8985, PRR RFC 6937, RTO = SRTT + max(4·RTTVAR, 200 ms))', 'timing'],
  [/\btc\s+qdisc\b|\bip\s+(link|route)\b|\biptables\b/, 'a shell command that changes the network path', undefined],
];

/**
 * What a divergence is about, for notes that can only explain some: `timing` (a packet early,
 * late or missing), `options` (TCP options, compared in strict mode).
 */
export type Scope = 'timing' | 'options';

/** Set-up commands asking for behaviour the stack does not model (name=value -> what and scope; null: nothing). */
const HOST_UNMODELLED: ((name: string, value: string) => { what: string; scope?: Scope } | null)[] = [
  (n, v) => (n === 'net.inet.tcp.ecn.enable' || n === 'net.ipv4.tcp_ecn') && v === '1' ? { what: 'ECN requested on our SYNs (RFC 3168; ' + n + '=1)' } : null,
  (n, v) => n === 'net.inet.tcp.rexmit_slop' && v !== '0' ? { what: 'a retransmission timer slop of ' + v + ' ms (FreeBSD net.inet.tcp.rexmit_slop)', scope: 'timing' } : null,
];

/** Host settings a script's set-up commands make, as stack configuration (value -> config entry, null = not representable). */
const HOST_SETTINGS: [RegExp, (v: string) => [string, number | boolean] | null][] = [
  [/^net\.inet\.tcp\.sack\.enable$|^net\.ipv4\.tcp_sack$/, (v) => ['tcpSack', v !== '0']],
  // RFC 9293 §3.1: without window scaling the window field holds at most 65535.
  [/^net\.inet\.tcp\.recvspace$/, (v) => /^\d+$/.test(v) ? ['tcpRcvBuf', Math.min(Number(v), 65535)] : null],
  [/^net\.inet\.tcp\.sendspace$/, (v) => /^\d+$/.test(v) ? ['tcpSndBuf', Number(v)] : null],
  [/^net\.inet\.tcp\.rexmit_initial$/, (v) => /^\d+$/.test(v) ? ['tcpRtoInitial', Number(v)] : null],
  [/^net\.inet\.tcp\.delacktime$/, (v) => /^\d+$/.test(v) ? ['tcpAckDelay', Number(v)] : null],
  [/^net\.inet\.tcp\.keepidle$/, (v) => /^\d+$/.test(v) ? ['tcpKeepIdle', Number(v)] : null],
  [/^net\.inet\.tcp\.keepintvl$/, (v) => /^\d+$/.test(v) ? ['tcpKeepIntvl', Number(v)] : null],
  [/^net\.inet\.tcp\.keepcnt$/, (v) => /^\d+$/.test(v) ? ['tcpKeepCnt', Number(v)] : null],
  [/^net\.inet\.tcp\.syncookies$/, (v) => ['tcpSynCookies', v !== '0']],
];

/** `name=value` pairs set by a shell command (`sysctl -w a=b`, or the suite's sysctl-setting script with `/proc/sys/net/ipv4/x=y`). */
export function sysctlsOf(command: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /(?:sysctl\s+(?:-[a-z]+\s+)*|\/proc\/sys\/)([a-z0-9_./]+)=("[^"]*"|[^\s`\\]+)/g;
  let m;
  while ((m = re.exec(command)) !== null) out.push([m[1].replace(/\//g, '.'), m[2].replace(/^"|"$/g, '')]);
  return out;
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

/** RFC 7413 §4.1.1: TCP Fast Open is option kind 34. */
const OPT_FASTOPEN = 34;
/** RFC 6994: the shared experimental kind, with the 16-bit ExID 0xF989 for Fast Open. */
const OPT_EXP = 254;
const TFO_EXID = 0xf989;
/** RFC 2385 §3.0: the MD5 signature is kind 19, length 18. */
const OPT_MD5 = 19;
/** AccECN option kinds (draft-ietf-tcpm-accurate-ecn §3.2.3): order e0b first, or e1b first. */
const OPT_ACCECN0 = 172;
const OPT_ACCECN1 = 174;

/** Encode options for an inbound segment, padded with EOL to a multiple of 4 octets (the data offset counts 32-bit words). */
export function encodeOptions(opts: TcpOption[]): Uint8Array {
  const b: number[] = [];
  const be = (n: number, octets: number) => {
    for (let i = octets - 1; i >= 0; i--) b.push(Math.floor(n / Math.pow(256, i)) & 0xff);
  };
  const hex = (h: string) => { for (let i = 0; i < h.length; i += 2) b.push(parseInt(h.slice(i, i + 2), 16)); };
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
      case 'FO': b.push(OPT_FASTOPEN, 2 + o.cookie.length / 2); hex(o.cookie); break;
      case 'FOEXP': b.push(OPT_EXP, 4 + o.cookie.length / 2); be(TFO_EXID, 2); hex(o.cookie); break;
      // `valid` / `invalid` cannot be computed without the key: 16 zero octets stand in.
      case 'md5': b.push(OPT_MD5, 18); if (o.sig.length === 32) hex(o.sig); else for (let i = 0; i < 16; i++) b.push(0); break;
      case 'accecn':
        b.push(o.fields[0][0] === 'e1b' ? OPT_ACCECN1 : OPT_ACCECN0, 2 + 3 * o.fields.length);
        for (const f of o.fields) be(f[1], 3);
        break;
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
  const hex = (from: number, to: number) => {
    let h = '';
    for (let k = from; k < to; k++) h += (buf[k] < 16 ? '0' : '') + buf[k].toString(16);
    return h;
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
    } else if (kind === OPT_FASTOPEN) out.push({ kind: 'FO', cookie: hex(i + 2, i + len) });
    else if (kind === OPT_EXP && len >= 4 && be(i + 2, 2) === TFO_EXID) out.push({ kind: 'FOEXP', cookie: hex(i + 4, i + len) });
    else if (kind === OPT_MD5 && len === 18) out.push({ kind: 'md5', sig: hex(i + 2, i + 18) });
    else out.push({ kind: 'unknown', code: kind, len });
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
  let t = tcp.flagsToString(s.flags) + ' ' + (s.anySeq ? '...' : s.seq + ':' + s.end) + '(' + s.len + ')' + (s.absolute ? '!' : '');
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
  /** The IP header's TOS octet and TTL. */
  tos: number;
  ttl: number;
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

/** An ICMP message the stack sent. */
interface IcmpMessage {
  type: number;
  code: number;
  tos: number;
  ttl: number;
}

/** A packet the stack wrote, with its emission time. */
interface Captured {
  time: number;
  /** The IP packet. */
  bytes: Uint8Array;
  /** The TCP segment, or null when the packet is not good TCP (then `problem` says why). */
  seg: Segment | null;
  /** The ICMP message, when the packet is one. */
  icmp: IcmpMessage | null;
  problem: string;
  /** Sent from stack.poll (a timer), not in answer to a packet or a call. */
  byTimer: boolean;
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
    src: ip.src, dst: ip.dst, tos: ip.tos, ttl: ip.ttl, srcPort: r.srcPort, dstPort: r.dstPort, seq: r.seq, ack: r.ack, flags: r.flags,
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

/** ICMPv4 type names (packetdrill's) and, for types that have them, their code names. */
const ICMP_TYPES: Record<string, number> = {
  echo_reply: 0, unreachable: 3, source_quench: 4, redirect: 5, echo_request: 8, time_exceeded: 11, parameter_problem: 12,
  timestamp_request: 13, timestamp_reply: 14, information_request: 15, information_reply: 16, address_mask_request: 17,
  address_mask_reply: 18,
};
/** RFC 792 / RFC 1812 §5.2.7.1 destination unreachable codes, packetdrill's names. */
const ICMP_UNREACH_CODES: Record<string, number> = {
  net_unreachable: 0, host_unreachable: 1, protocol_unreachable: 2, port_unreachable: 3, frag_needed: 4,
  source_route_failed: 5, net_unknown: 6, host_unknown: 7, source_host_isolated: 8, net_prohibited: 9,
  host_prohibited: 10, net_unreachable_for_tos: 11, host_unreachable_for_tos: 12, packet_filtered: 13,
  precedence_violation: 14, precedence_cutoff: 15,
};
/** RFC 792 time exceeded codes (NPLab's names). */
const ICMP_TIME_CODES: Record<string, number> = { ttl_exceeded_in_transit: 0, frag_reass_exceeded: 1 };

/** [type, code] of an ICMP line, or a string naming what is unknown (IPv6-only names, say). */
export function icmpNumbers(type: string, code: string | null): [number, number] | string {
  let t = ICMP_TYPES[type];
  const tm = /^type_(\d+)$/.exec(type);
  if (tm) t = Number(tm[1]);
  if (t === undefined || t > 255) return 'ICMP type "' + type + '" (not an ICMPv4 type)';
  if (code === null) return [t, 0];
  const cm = /^code_(\d+)$/.exec(code);
  if (cm && Number(cm[1]) <= 255) return [t, Number(cm[1])];
  const table = t === 3 ? ICMP_UNREACH_CODES : t === 11 ? ICMP_TIME_CODES : null;
  const c = table !== null ? table[code] : undefined;
  if (c === undefined) return 'ICMP code "' + code + '" for ' + type + ' (not an ICMPv4 code)';
  return [t, c];
}

/** A divergence: stops the run with verdict fail (or a verdict the notes explain). */
class Divergence extends Error {
  line: number;
  /** For the classifiers: what kind of divergence, and the segments involved. */
  kind: 'nothing' | 'flags' | 'unexpected' | 'so_error' | null = null;
  expected: SegmentSpec | null = null;
  actual: Segment | null = null;
  /** The packet involved was sent by a timer. Kind nothing: when the stack sent the expected pure ACK after all (-1: not by its delayed-ACK time). */
  byTimer = false;
  lateAt = -1;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
  /** The same, marked for the classifiers. */
  as(kind: 'nothing' | 'flags' | 'unexpected' | 'so_error', expected: SegmentSpec | null, actual: Segment | null): Divergence {
    this.kind = kind;
    this.expected = expected;
    this.actual = actual;
    return this;
  }
}

/** A statement the runner cannot carry out: stops the run with verdict unsupported. */
class Unsupported extends Error {
  line: number;
  feature: string;
  constructor(line: number, feature: string) {
    super(feature);
    this.line = line;
    this.feature = feature;
  }
}

/** Calls that may block (`A...B`); the others do not exist in the runner's model. */
const BLOCKING_CALLS = ['connect', 'accept', 'read', 'recv', 'recvfrom', 'write', 'send', 'sendto', 'poll', 'epoll_wait', 'close', 'shutdown'];

/** What the script's fd stands for. */
interface FdEntry {
  kind: 'socket' | 'listener' | 'conn';
  /** Listener or connection handle. */
  handle: number;
  /** Octets read so far (for the data pattern check). */
  readOff: number;
  /** SO_LINGER {onoff=1, linger=0}: close means abort (RST). */
  linger0: boolean;
  /** O_NONBLOCK set with fcntl. */
  nonblock: boolean;
  /** Per-connection settings made before there was a connection (inherited by connect / accept). */
  noDelay: boolean | null;
  keepAlive: boolean | null;
  r2: number | null;
}

/** An actual call result: a count (or 0) and no errno, or -1 and an errno name. */
interface CallResult {
  ret: number;
  errno: string | null;
}

/** The default factory: the real stack. */
function realStack(config: Record<string, unknown>, hal: Hal): TcpStack {
  return createStack(config as StackConfig, hal) as unknown as TcpStack;
}

/**
 * The one place that knows the stack's API conventions: socket-call semantics in, stack
 * calls out. Each method returns what the syscall would return. A StackError the stack throws
 * passes through (the caller makes it `-1 <errno>`).
 */
class SocketMap {
  constructor(private s: TcpStack) {}

  /** read()/recv(): count, 0 at end of stream, -1 EAGAIN when nothing is there, -1 errno. */
  read(h: number, buf: Uint8Array, len: number): CallResult {
    return this.readResult(this.s.tcpRead(h, buf, 0, len));
  }

  /** tcpRead's result as a syscall result: the stack already speaks errno (0 = end of stream, -EAGAIN, -errno). */
  private readResult(n: number): CallResult {
    if (n < 0) return { ret: -1, errno: errnoName(-n) };
    return { ret: n, errno: null };
  }

  /** recv(MSG_PEEK): like read without consuming (the stack's tcpPeek); null when the stack has none. */
  peek(h: number, buf: Uint8Array, len: number): CallResult | null {
    if (typeof this.s.tcpPeek !== 'function') return null;
    return this.readResult(this.s.tcpPeek(h, buf, 0, len));
  }

  /** Octets waiting to be read (ioctl FIONREAD / SIOCINQ: Recv-Q of tcpEndpoint), or null when it cannot be known. */
  readable(h: number): number | null {
    if (typeof this.s.tcpEndpoint !== 'function') return null;
    const out = new Int32Array(9);
    this.s.tcpEndpoint(h, out);
    return out[7];
  }

  /** write()/send(): count accepted, -1 EAGAIN when none was, -1 errno. */
  write(h: number, buf: Uint8Array, len: number): CallResult {
    const n = this.s.tcpWrite(h, buf, 0, len);
    if (n >= 0) return { ret: n, errno: null };
    return { ret: -1, errno: errnoName(-n) };
  }

  listen(port: number, backlog: number): number { return this.s.tcpListen(port, backlog); }
  /** A connection handle, or null when none is waiting (EAGAIN). */
  accept(l: number): number | null {
    const c = this.s.tcpAccept(l);
    return c < 0 ? null : c;
  }
  connect(addr: number, port: number, localPort: number): number { return this.s.tcpConnect(addr, port, localPort); }
  connectFrom(l: number, addr: number, port: number): number { return this.s.tcpConnectFrom(l, addr, port); }
  /** The connection's state (C.*), or -1 when the stack cannot say. */
  state(h: number): number {
    if (typeof this.s.tcpState !== 'function') return -1;
    try {
      return this.s.tcpState(h);
    } catch {
      return -1;
    }
  }
  /** Where a connect stands: connected, still connecting, or failed with the pending errno. */
  connectState(h: number): 'connected' | 'connecting' | string {
    const st = typeof this.s.tcpState === 'function' ? this.s.tcpState(h) : -1;
    if (st === C.SYN_SENT || st === C.SYN_RECEIVED) return 'connecting';
    if (st === C.CLOSED) {
      const e = this.s.tcpError(h);
      return e !== 0 ? errnoName(e) : 'ECONNREFUSED';
    }
    return 'connected';
  }
  shutdown(h: number): void { this.s.tcpShutdown(h); }
  close(h: number): void { this.s.tcpClose(h); }
  abort(h: number): void { this.s.tcpAbort(h); }
  unlisten(l: number): void { this.s.tcpUnlisten(l); }
  /** getsockopt(SO_ERROR): the pending errno (0 = none), cleared by reading it. */
  soError(h: number): number { return this.s.tcpError(h); }
  /** TCP_NODELAY; false when the stack has no such setting. */
  setNoDelay(h: number, on: boolean): boolean {
    if (typeof this.s.tcpSetNoDelay !== 'function') return false;
    this.s.tcpSetNoDelay(h, on);
    return true;
  }
  /** SO_KEEPALIVE; false when the stack has no such setting. */
  setKeepAlive(h: number, on: boolean): boolean {
    if (typeof this.s.tcpSetKeepAlive !== 'function') return false;
    this.s.tcpSetKeepAlive(h, on);
    return true;
  }
  /** TCP_USER_TIMEOUT (RFC 5482) as R2, ms; false when the stack has no per-connection R2. */
  setR2(h: number, ms: number): boolean {
    if (typeof this.s.tcpSetR2 !== 'function') return false;
    this.s.tcpSetR2(h, ms);
    return true;
  }
}

/** The runner's stack configuration: defaults the config knows, then the overrides in order. */
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

/** `[N]` / `[NAME]` of a getsockopt/setsockopt argument, or null. */
function bracketed(a: string | undefined): string | null {
  const m = /^\[\s*([^\]]*?)\s*\]$/.exec(a || '');
  return m ? m[1] : null;
}

/** One run of one script. */
class Runner {
  private stack!: TcpStack;
  private api!: SocketMap;
  private rx: Receiver | null = null;
  private now = 0;
  private deadline = Infinity;
  private pollsHere = 0;
  private queue: Captured[] = [];
  private decoder: slip.SlipDecoder;
  private localAddr: number;
  private remoteAddr = REMOTE_ADDR;
  private localPort: number;
  private remotePort: number;
  private remoteIsn: number;
  private iss = 0;
  private issKnown = false;
  private tolerance: number;
  private strict: boolean;
  private config: Record<string, unknown>;
  private fds = new Map<number, FdEntry>();
  /** Octets the app has handed to tcpWrite (the outbound stream). */
  private written = 0;
  private ipIdent = 1;
  /** Call results that differ are warnings, not divergences (`--non_fatal=syscall`). */
  private nonFatalCalls = false;
  /** An option line the runner cannot honour: the run stops there. */
  private badOption: Unsupported | null = null;
  /** A blocking call that started and completes at `end`. */
  private pending: { st: CallStatement; end: number } | null = null;
  /** Features the script relied on that are not modelled, with the line where that showed. */
  private relied: { line: number; what: string; scope?: Scope }[] = [];
  /** OS choices a set-up command selected, by sysctl name. */
  private osChoices = new Map<string, { line: number; what: string; after: number; scope?: Scope }>();
  /** What the failure classifiers look at: the peer's last segment, and its data since our last ACK. */
  private lastIn: { flags: number; seq: number; len: number; left: boolean; toListener: boolean; stateBefore: number } | null = null;
  private dataSinceAck: { seq: number; len: number }[] = [];
  private icmpSeen = false;
  /** Option kinds (and 'ecn') of the SYN the script last expected from us. */
  private ourSynOptions: string[] = [];
  /** True while stack.poll runs (what it sends, a timer sent). */
  private polling = false;
  /** The receive window a script assumes (from its SO_RCVBUF on a connection), when larger than ours. */
  private scriptWindow: number | null = null;
  /** Our last acknowledgment (relative) and window, from the segments the stack sent. */
  private advertised: { ack: number; win: number } | null = null;
  /** Whether the peer's SYN offered window scaling / timestamps / ECN. */
  private peerOffered = { wscale: false, ts: false, ecn: false };
  ladder: string[] = [];
  ignored: string[] = [];
  notes: string[] = [];

  constructor(private script: Script, opts: RunOptions) {
    const h = script.header;
    this.strict = h.strict !== null ? h.strict : !!opts.strict;
    let tolerance = opts.tolerance !== undefined ? opts.tolerance : DEFAULT_TOLERANCE;
    this.remoteIsn = (h.remoteIsn !== null ? h.remoteIsn : opts.remoteIsn !== undefined ? opts.remoteIsn : DEFAULT_REMOTE_ISN) | 0;
    this.remotePort = h.remotePort !== null ? h.remotePort : REMOTE_PORT;
    this.localPort = h.localPort !== null ? h.localPort : LOCAL_PORT;
    const known = opts.createStack ? { ...RUNNER_CONFIG, ...opts.config, ...h.config } : (DEFAULTS as unknown as Record<string, unknown>);
    const overrides: Record<string, number | string | boolean> = { ...opts.config };
    for (const [k, v] of this.hostSettings()) overrides[k] = v;
    for (const o of script.options) {
      const t = this.option(o.name, o.value, o.line);
      if (t !== null && this.badOption === null) this.badOption = t;
      if (o.name === 'tolerance_usecs' && o.value !== null && /^\d+$/.test(o.value)) tolerance = Math.ceil(Number(o.value) / 1000);
      if (o.name === 'mtu' && o.value !== null && /^\d+$/.test(o.value) && Number(o.value) <= 1500) overrides.mtu = Number(o.value);
      if (o.name === 'local_ip' && o.value !== null && ipv4.parseAddr(o.value) !== null) overrides.addr = o.value;
      if (o.name === 'remote_ip' && o.value !== null && ipv4.parseAddr(o.value) !== null) this.remoteAddr = ipv4.parseAddr(o.value) as number;
    }
    for (const k of Object.keys(h.config)) overrides[k] = h.config[k];
    this.tolerance = h.tolerance !== null ? h.tolerance : tolerance;
    const config = stackConfig(overrides, known);
    if (!opts.createStack) this.dropRefused(config);
    this.config = config;
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
    this.api = new SocketMap(this.stack);
    this.deadline = this.poll(0, 0);
  }

  /** Stack settings from sysctl commands in the set-up (the shell lines before the first call or packet). */
  private hostSettings(): [string, number | boolean][] {
    const out: [string, number | boolean][] = [];
    for (const st of this.script.statements) {
      if (st.type !== 'shell') break;
      for (const [name, value] of sysctlsOf(st.text)) {
        for (const [re, f] of HOST_SETTINGS) {
          if (!re.test(name)) continue;
          const kv = f(value);
          if (kv !== null) out.push(kv);
        }
      }
    }
    return out;
  }

  /** Leave out overrides the stack's configuration refuses (noted: the host setting cannot be had). */
  private dropRefused(config: Record<string, unknown>): void {
    for (const k of Object.keys(config)) {
      if (k === 'addr' || RUNNER_CONFIG[k] === config[k]) continue;
      const trial: Record<string, unknown> = {};
      for (const j of Object.keys(RUNNER_CONFIG)) if (j in DEFAULTS) trial[j] = RUNNER_CONFIG[j];
      trial[k] = config[k];
      try {
        resolveConfig(trial as StackConfig);
      } catch (e) {
        this.notes.push('line 0: host setting ' + k + '=' + config[k] + ' left out: ' + (e as Error).message);
        if (k in RUNNER_CONFIG && k in DEFAULTS) config[k] = RUNNER_CONFIG[k];
        else delete config[k];
      }
    }
  }

  /** Interpret an option line; returns an Unsupported when the script needs what the runner lacks. */
  private option(name: string, value: string | null, line: number): Unsupported | null {
    switch (name) {
      case 'ip_version':
        // ipv4-mapped-ipv6 sockets put IPv4 on the wire.
        if (value === 'ipv4' || value === 'ipv4-mapped-ipv6') return null;
        return new Unsupported(line, 'IPv6 (--ip_version=' + value + '; slipstack speaks IPv4 only)');
      case 'tolerance_usecs':
        return value !== null && /^\d+$/.test(value) ? null : new Unsupported(line, 'option --tolerance_usecs=' + value);
      case 'mtu':
        if (value !== null && /^\d+$/.test(value) && Number(value) >= 68 && Number(value) <= 1500) return null;
        return new Unsupported(line, 'link MTU ' + value + ' (--mtu; the stack serves links of 68..1500 octets)');
      case 'local_ip': case 'remote_ip':
        return value !== null && ipv4.parseAddr(value) !== null ? null : new Unsupported(line, 'IPv6 (--' + name + '=' + value + ')');
      case 'udp_encapsulation':
        return new Unsupported(line, 'TCP over UDP encapsulation (--udp_encapsulation; RFC 6951-style, FreeBSD net.inet.tcp.udp_tunneling_port)');
      case 'psp_udp_port':
        return new Unsupported(line, 'PSP encryption (--psp_udp_port)');
      case 'tcp_md5_secret':
        return new Unsupported(line, 'TCP MD5 signatures (RFC 2385, --tcp_md5_secret)');
      case 'non_fatal':
        if (value !== null && value.split(',').indexOf('syscall') >= 0) this.nonFatalCalls = true;
        else this.ignored.push('ignored: line ' + line + ': --' + name + '=' + value);
        return null;
      default:
        this.ignored.push('ignored: line ' + line + ': --' + name + (value !== null ? '=' + value : '') + ' (option not modelled)');
        return null;
    }
  }

  /** `stack.poll` (an exception is a divergence at `line`), with a non-number answer read as "no deadline". */
  private poll(t: number, line: number): number {
    this.polling = true;
    try {
      const d = this.guard(line, () => this.stack.poll(t));
      return typeof d === 'number' && d === d ? d : Infinity;
    } finally {
      this.polling = false;
    }
  }

  /** A packet the stack wrote: decode, learn our ISS from its first SYN, queue, ladder. */
  private captured(bytes: Uint8Array): void {
    const d = decodeSegment(bytes);
    const c: Captured = { time: this.now, bytes, seg: null, icmp: null, problem: '', byTimer: this.polling };
    if (typeof d === 'string') {
      c.problem = d;
      const ip = new ipv4.Ipv4Repr();
      if (ipv4.parseInto(ip, bytes, 0, bytes.length) === OK && ip.protocol === ipv4.PROTO_ICMP) {
        const r = new icmp.IcmpRepr();
        if (icmp.parseInto(r, bytes, ip.headerLen, ip.payloadLen) === OK) c.icmp = { type: r.type, code: r.code, tos: ip.tos, ttl: ip.ttl };
      }
      this.ladder.push(fmtTime(this.now) + ' stack > peer  ?? ' + d);
    } else {
      c.seg = d;
      if ((d.flags & tcp.SYN) && !this.issKnown) {
        this.iss = d.seq;
        this.issKnown = true;
      }
      if ((d.flags & tcp.ACK) && !(d.flags & tcp.RST)) {
        this.advertised = { ack: u32(d.ack - this.remoteIsn), win: d.window };
        this.dataSinceAck = [];
      }
      this.ladder.push(fmtTime(this.now) + ' stack > peer  ' + this.outText(d));
    }
    this.queue.push(c);
  }

  /** An outbound segment in relative notation, with its ports when they are not the script's. */
  private outText(s: Segment): string {
    let t = formatSegment(s, this.iss, this.remoteIsn);
    if (s.srcPort !== this.localPort || s.dstPort !== this.remotePort) t += ' [ports ' + s.srcPort + ' > ' + s.dstPort + ']';
    if (s.dst !== this.remoteAddr) t += ' [to ' + ipv4.formatAddr(s.dst) + ']';
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
    const res = { ignored: this.ignored, notes: this.notes, ladder: this.ladder, statements: sts.length, strict: this.strict };
    if (typeof this.stack.tcpListen !== 'function') {
      return { ...res, ok: false, verdict: 'fail', reason: '', line: sts.length > 0 ? sts[0].line : 0, message: 'stack: this stack has no TCP API (stack.tcpListen is missing)' };
    }
    // Relative times count from `base`: the previous statement's time, or for a `>` statement
    // the time its packet was actually sent. `prev` is the previous statement's script time
    // (absolute times must not go back before it).
    let base = 0;
    let prev = 0;
    let last = 0;
    try {
      if (this.badOption !== null) throw this.badOption;
      for (let i = 0; i < sts.length; i++) {
        const st = sts[i];
        last = st.line;
        const t = this.timeOf(st, base);
        if (this.pending !== null && (st.type === 'call' || (st.time.kind !== 'any' && t > this.pending.end))) this.finishPending();
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
        if (!this.claimedSoon(i)) this.noUnexpected(st.line);
        base = st.time.kind === 'any' ? this.now : t;
        prev = base;
        if (st.type === 'packet') this.inbound(st);
        else if (st.type === 'call') this.call(st, t);
        else this.shell(st);
        this.deadline = this.poll(this.now, st.line);
      }
      if (this.pending !== null) this.finishPending();
      if (this.strict) {
        // Strict: nothing more may leave within the tolerance after the last statement.
        this.runTo(this.now + this.tolerance, last);
        if (this.queue.length > 0) {
          const c = this.queue[0];
          throw new Divergence(last, 'unexpected outbound packet after the last line (strict): expected nothing by ' +
            fmtTime(this.now) + ' vs actual ' + this.capturedText(c) + ' at ' + fmtTime(c.time)).as('unexpected', null, c.seg);
        }
      }
    } catch (e) {
      if (e instanceof Unsupported) {
        return { ...res, ok: false, verdict: 'unsupported', reason: e.feature, line: e.line, message: 'unsupported: ' + e.feature };
      }
      if (e instanceof Divergence) return { ...res, ok: false, line: e.line, message: e.message, ...this.explain(e) };
      throw e;
    }
    return { ...res, ok: true, verdict: 'pass', reason: '', line: 0, message: '' };
  }

  /**
   * The verdict for a divergence at `line`: an OS choice a set-up command selected, a feature
   * the script relied on, an OS choice the divergence itself shows (classify), or a failure.
   */
  private explain(d: Divergence): { verdict: Verdict; reason: string } {
    // Timing: a packet early, late or missing, or one a timer sent that the script did not expect.
    const applies = (scope: Scope | undefined) => scope === undefined ||
      (scope === 'timing' ? d.kind === 'nothing' || /^time\b/.test(d.message) || d.byTimer : /^options\b/.test(d.message));
    const chosen = Array.from(this.osChoices.values()).filter((c) => this.now >= c.after && applies(c.scope));
    if (chosen.length > 0) {
      return { verdict: 'os-choice', reason: chosen.map((c) => c.what + ' (line ' + c.line + ')').join('; ') };
    }
    const relied = (scoped: boolean) => {
      const r = this.relied.filter((x) => x.line <= d.line && (x.scope !== undefined) === scoped && applies(x.scope));
      if (r.length === 0) return null;
      const seen: string[] = [];
      for (const x of r) if (seen.indexOf(x.what) < 0) seen.push(x.what);
      return { verdict: 'unsupported' as Verdict, reason: 'relies on ' + seen.join('; ') + ' (first at line ' + r[0].line + ')' };
    };
    // What the script negotiated or set up beats a pattern; a pattern beats a broad timing note.
    const broad = relied(false);
    if (broad !== null) return broad;
    const c = d.kind !== null ? this.classify(d) : null;
    if (c !== null) return { verdict: 'os-choice', reason: c };
    const timing = relied(true);
    if (timing !== null) return timing;
    return { verdict: 'fail', reason: '' };
  }

  /**
   * Divergences that show an operating system's choice where slipstack does what the RFC
   * says (the README lists them). Returns the choice, or null.
   */
  private classify(d: Divergence): string | null {
    const exp = d.expected;
    const got = d.actual;
    const last = this.lastIn;
    // The script waits for an ACK of in-order data that the stack sends after its delayed-ACK
    // time: fewer than two full-sized segments arrived since our last ACK, so the RFCs let it wait.
    if (d.kind === 'nothing' && d.lateAt >= 0 && this.dataSinceAck.length >= 1) {
      const full = Number(this.config.mtu) - 40;
      let inOrder = this.advertised !== null && this.dataSinceAck[0].seq === this.advertised.ack;
      for (let k = 1; k < this.dataSinceAck.length; k++) {
        if (this.dataSinceAck[k].seq !== u32(this.dataSinceAck[k - 1].seq + this.dataSinceAck[k - 1].len)) inOrder = false;
      }
      if (inOrder && this.dataSinceAck.filter((x) => x.len >= full).length < 2) {
        return 'an immediate ACK for in-order data (Linux\'s quick-ACK mode, BSD\'s ACK for every second segment of any size); ' +
          'slipstack sends it after tcpAckDelay (at ' + fmtTime(d.lateAt) + '), as RFC 9293 §3.8.6.3 and RFC 5681 §4.2 allow ' +
          'for fewer than two full-sized segments';
      }
    }
    // Simultaneous close: BSD repeats its FIN in the ACK of the peer's FIN.
    if (d.kind === 'flags' && exp !== null && got !== null && exp.flags === (tcp.FIN | tcp.ACK) && got.flags === tcp.ACK &&
        last !== null && (last.flags & tcp.FIN) && u32(got.seq - this.iss) === u32(exp.seq + 1)) {
      return 'the FIN repeated in the ACK of a simultaneous close (BSD; RFC 9293 §3.6 Figure 13 sends a bare ACK)';
    }
    // An ACK for a segment left of RCV.NXT: BSD processes its ACK field and may close without answering.
    if (d.kind === 'unexpected' && got !== null && got.flags === tcp.ACK && got.payload.length === 0 && last !== null && last.left && !(last.flags & (tcp.RST | tcp.SYN))) {
      return 'a segment left of RCV.NXT has its ACK field processed without an answer (BSD tcp_input; RFC 9293 §3.10.7.4 answers it with an ACK and drops it)';
    }
    // TIME-WAIT (FreeBSD's tcp_twcheck): segments without ACK are dropped, and anything but the
    // peer's exact next ACK is acknowledged.
    if (this.connState() === C.TIME_WAIT) {
      if (d.kind === 'nothing' && exp !== null && exp.flags === tcp.ACK && exp.len === 0) {
        return 'an ACK for any segment in TIME-WAIT but the peer\'s exact next ACK (FreeBSD tcp_twcheck; RFC 9293 §3.10.7.4 acknowledges only a retransmitted FIN there)';
      }
      if (d.kind === 'unexpected' && got !== null && got.flags === tcp.ACK && last !== null && !(last.flags & (tcp.ACK | tcp.RST | tcp.SYN))) {
        return 'a segment without the ACK bit is dropped silently in TIME-WAIT (FreeBSD tcp_twcheck; RFC 9293 §3.10.7.4 answers an unacceptable segment with an ACK)';
      }
    }
    // A SYN-ACK arriving at a listener.
    if (d.kind === 'unexpected' && got !== null && (got.flags & tcp.RST) && last !== null && last.toListener && (last.flags & (tcp.SYN | tcp.ACK)) === (tcp.SYN | tcp.ACK)) {
      return 'a SYN-ACK arriving at a listener is dropped (FreeBSD; RFC 9293 §3.10.7.2 answers it with <SEQ=SEG.ACK><CTL=RST>)';
    }
    // A RST in CLOSING / LAST-ACK / TIME-WAIT: RFC 9293 §3.10.7.4 closes without a reset signal.
    if (d.kind === 'so_error' && last !== null && (last.flags & tcp.RST) && /expected \[ECONNRESET\] vs actual \[0\]/.test(d.message) &&
        (last.stateBefore === C.CLOSING || last.stateBefore === C.LAST_ACK || last.stateBefore === C.TIME_WAIT)) {
      return 'a RST in ' + C.STATE_NAMES[last.stateBefore] + ' reported as ECONNRESET (FreeBSD; RFC 9293 §3.10.7.4 only closes the connection in that state)';
    }
    // ICMP errors while connecting: BSD keeps them from the application.
    if (d.kind === 'so_error' && this.icmpSeen && /^getsockopt SO_ERROR: expected \[0\]/.test(d.message)) {
      return 'ICMP errors do not reach a connecting socket (BSD, RFC 5461 §4.1; RFC 1122 §4.2.3.9 and RFC 9293 MUST-56 report soft errors and abort on hard ones)';
    }
    return null;
  }

  /** Note that the script relies on something the stack does not model (explains a later divergence, of `scope` if given). */
  private rely(line: number, what: string, scope?: Scope): void {
    this.relied.push({ line, what, scope });
    this.notes.push('line ' + line + ': relies on ' + what);
  }

  /**
   * When a statement runs, in ms: its time, relative ones counted from `last`. A blocking
   * call written `A...B` starts at A (it completes at B, see finishPending); a `~` range starts at A.
   */
  private timeOf(st: Statement, last: number): number {
    if (st.time.kind === 'any') return this.now;
    return st.time.kind === 'rel' ? last + st.time.ms : st.time.ms;
  }

  /**
   * Whether statement i is a call, command or Python block and a `>` statement follows it at
   * the same instant with only such statements (`+0`) between: then packets sent at this very
   * instant may still be claimed by it (a script may list a call made at the same moment before
   * the packet an earlier call sent). An inbound packet ends the instant: what was sent before
   * it had to be listed first.
   */
  private claimedSoon(i: number): boolean {
    const sts = this.script.statements;
    if (sts[i].type === 'packet') return false;
    for (const c of this.queue) if (c.time !== this.now) return false;
    for (let j = i + 1; j < sts.length; j++) {
      const x = sts[j];
      if (x.time.kind !== 'rel' || x.time.ms !== 0 || x.time.range !== null) return false;
      if (x.type === 'packet') return x.dir === '>';
    }
    return false;
  }

  /** Fail if a packet is waiting that no `>` statement claimed. */
  private noUnexpected(line: number): void {
    if (this.queue.length === 0) return;
    const c = this.queue[0];
    const d = new Divergence(line, 'unexpected outbound packet: expected nothing before this line vs actual ' +
      this.capturedText(c) + ' at ' + fmtTime(c.time)).as('unexpected', null, c.seg);
    d.byTimer = c.byTimer;
    throw d;
  }

  private capturedText(c: Captured): string {
    return c.seg !== null ? '"' + this.outText(c.seg) + '"' : '"' + c.problem + '"';
  }

  /** Report a statement as ignored; in strict mode a call that asserts a result may not be ignored. */
  private ignore(st: Statement, why: string, relied?: string): void {
    this.ignored.push('ignored: line ' + st.line + ': ' + st.text + (why ? ' (' + why + ')' : ''));
    if (relied !== undefined) this.rely(st.line, relied);
    if (this.strict && st.type === 'call') {
      const asserts = st.ret !== 0 || st.errno !== null || st.name === 'getsockopt' || st.name === 'ioctl';
      if (asserts) {
        throw new Divergence(st.line, st.name + ' (strict): expected = ' + st.retText + (st.errno !== null ? ' ' + st.errno : '') +
          ' vs actual: not checked, the call is ignored' + (why ? ' (' + why + ')' : ''));
      }
    }
  }

  /** A backtick command: ignored, but its sysctls may select an OS choice (OS_CHOICES) or unmodelled behaviour. */
  private shell(st: Statement): void {
    if (st.type === 'shell') {
      for (const [re, what, scope] of COMMANDS_UNMODELLED) if (re.test(st.text)) this.rely(st.line, what, scope);
      for (const [name, value] of sysctlsOf(st.text)) {
        let choice: { what: string; after?: number; scope?: Scope } | null = null;
        for (const f of OS_CHOICES) if (choice === null) choice = f(name, value);
        if (choice !== null) this.osChoices.set(name, { line: st.line, what: choice.what, after: choice.after !== undefined ? choice.after : 0, scope: choice.scope });
        else this.osChoices.delete(name);
        for (const f of HOST_UNMODELLED) {
          const u = f(name, value);
          if (u !== null) this.rely(st.line, u.what, u.scope);
        }
      }
    }
    this.ignore(st, '');
  }

  // ---- outbound --------------------------------------------------------------------------

  /** A `>` statement: take the next packet (waiting up to the window's end) and compare. Returns its emission time. */
  private expectOutbound(st: PacketStatement, t: number): number {
    this.packetSupported(st);
    const any = st.time.kind === 'any';
    let lo = t - this.tolerance;
    let hi = t + this.tolerance;
    // `A~B`: any time from A to B (plus the tolerance) will do.
    if (!any && st.time.endMs !== null) hi = t - st.time.ms + st.time.endMs + this.tolerance;
    if (any) {
      lo = -Infinity;
      hi = this.now + ANY_TIME_WAIT;
    }
    if (st.proto === 'tcp') this.assumptions(st);
    while (this.queue.length === 0 && this.step(hi, st.line)) { /* poll until the stack sends something */ }
    const what = st.proto === 'icmp' ? 'icmp ' + st.icmp!.type + (st.icmp!.code !== null ? ' ' + st.icmp!.code : '') : formatSpec(st.seg);
    const want = '"' + what + '"' + (any ? '' : ' at ' + fmtTime(t));
    if (this.queue.length === 0) {
      const d = new Divergence(st.line, 'outbound: expected ' + want + ' vs actual: nothing was sent by ' + fmtTime(hi))
        .as('nothing', st.proto === 'tcp' ? st.seg : null, null);
      if (st.proto === 'tcp' && st.seg.flags === tcp.ACK && st.seg.len === 0) {
        // Does the stack send it by its delayed-ACK time? (For the classifiers; the run is over.)
        const until = hi + Number(this.config.tcpAckDelay || 0) + this.tolerance;
        const data = this.dataSinceAck;
        const adv = this.advertised;
        while (this.queue.length === 0 && this.step(until, st.line)) { /* poll on */ }
        // The classifiers judge what the peer had sent before that ACK.
        this.dataSinceAck = data;
        this.advertised = adv;
        const c = this.queue[0];
        if (c !== undefined && c.seg !== null && c.seg.flags === tcp.ACK && c.seg.payload.length === 0 &&
            (st.seg.ack === null || u32(c.seg.ack - this.remoteIsn) === st.seg.ack)) d.lateAt = c.time;
      }
      throw d;
    }
    const c = this.queue.shift() as Captured;
    const got = this.capturedText(c) + ' at ' + fmtTime(c.time);
    const differ = (w: string) => {
      const d = new Divergence(st.line, w + ': expected ' + want + ' vs actual ' + got);
      d.byTimer = c.byTimer;
      return d;
    };
    if (st.proto === 'icmp') this.compareIcmp(st, c, differ);
    else this.compareSegment(st, c, differ);
    if (c.time < lo || c.time > hi) {
      throw differ('time (tolerance ' + this.tolerance + ' ms)');
    }
    return c.time;
  }

  /** Compare a captured packet with a TCP `>` line. */
  private compareSegment(st: PacketStatement, c: Captured, differ: (what: string) => Divergence): void {
    const s = c.seg;
    if (s === null) throw differ('outbound (' + c.problem + ')');
    const sp = st.seg;
    if (s.src !== this.localAddr || s.dst !== this.remoteAddr) throw differ('addresses (' + ipv4.formatAddr(s.src) + ' > ' + ipv4.formatAddr(s.dst) + ')');
    if (s.srcPort !== this.localPort || s.dstPort !== this.remotePort) throw differ('ports');
    if (s.flags !== sp.flags) throw differ('flags').as('flags', sp, s);
    if (!sp.anySeq && u32(s.seq - (sp.absolute ? 0 : this.iss)) !== sp.seq) throw differ('seq');
    if (s.payload.length !== sp.len) throw differ('len');
    if (sp.ack !== null && u32(s.ack - this.remoteIsn) !== sp.ack) throw differ('ack');
    this.compareIp(st.ip, s.tos, s.ttl, differ);
    this.checkPayload(s, differ);
    if (this.strict) {
      if (sp.win !== null && s.window !== sp.win) throw differ('win (strict)');
      if (!sp.anyOptions && optionsText(shiftSack(s.options, -this.remoteIsn)) !== optionsText(sp.options || [])) throw differ('options (strict)');
    }
  }

  /**
   * An expected segment of ours: does the script assume what the stack does not do (options
   * negotiated on our SYN or SYN-ACK, D-SACK)? Noted before comparing, so they explain it.
   */
  private assumptions(st: PacketStatement): void {
    const o = st.seg.options || [];
    const has = (k: string) => o.some((x) => x.kind === k);
    // RFC 2883 §4: a first SACK block below the cumulative ACK, or inside the second block,
    // reports duplicate data (D-SACK).
    const dsack = (b: [number, number][]) => (st.seg.ack !== null && u32(st.seg.ack - b[0][1]) < 0x80000000) ||
      (b.length > 1 && u32(b[0][0] - b[1][0]) < 0x80000000 && u32(b[1][1] - b[0][1]) < 0x80000000);
    if (o.some((x) => x.kind === 'sack' && dsack(x.blocks))) {
      this.rely(st.line, 'D-SACK (RFC 2883; slipstack does not report duplicates)');
    }
    // A segment of ours larger than the link allows: the host segments late (TSO/GSO).
    if (st.seg.len + 40 > Number(this.config.mtu)) this.rely(st.line, 'segmentation offload (our segment of ' + st.seg.len + ' octets, larger than the link MTU ' + this.config.mtu + ')');
    if (!(st.seg.flags & tcp.SYN)) return;
    if (!(st.seg.flags & tcp.ACK)) {
      this.ourSynOptions = o.map((x) => x.kind as string);
      if ((st.seg.flags & (tcp.ECE | tcp.CWR)) === (tcp.ECE | tcp.CWR)) this.ourSynOptions.push('ecn');
    }
    // `<...>` accepts any answer, but a host that scales would have scaled: the peer's windows mean more.
    if (this.peerOffered.wscale && st.seg.anyOptions) this.rely(st.line, 'window scaling, which the peer offered (RFC 7323 §2; slipstack offers none, so the peer\'s windows are read unscaled)');
    if (this.peerOffered.wscale && has('wscale')) this.rely(st.line, 'window scaling negotiated in the script (RFC 7323 §2; slipstack offers none)');
    if (this.peerOffered.ts && has('TS')) this.rely(st.line, 'timestamps negotiated in the script (RFC 7323 §3; slipstack offers none)');
    if (this.peerOffered.ecn && (st.seg.flags & tcp.ECE)) this.rely(st.line, 'ECN negotiated in the script (RFC 3168 §6.1.1; slipstack does not do ECN)');
    if (has('FO') || has('FOEXP')) this.rely(st.line, 'TCP Fast Open (RFC 7413)');
    if (has('md5')) this.rely(st.line, 'TCP MD5 signatures (RFC 2385)');
  }

  /** The IP fields a line names must be those of the captured packet. */
  private compareIp(ip: IpInfo | null, tos: number, ttl: number, differ: (what: string) => Divergence): void {
    if (ip === null) return;
    if (ip.tos !== null && tos !== ip.tos) throw differ('tos (0x' + tos.toString(16) + ')');
    if (ip.ttl !== null && ttl !== ip.ttl) throw differ('ttl (' + ttl + ')');
    // RFC 3168 §5: the ECN field is the low two bits of the TOS octet (ECT(1) = 01, ECT(0) = 10, CE = 11).
    const ecn = tos & 3;
    const ok = ip.ecn === null || (ip.ecn === 'noecn' && ecn === 0) || (ip.ecn === 'ect1' && ecn === 1) || (ip.ecn === 'ect0' && ecn === 2) ||
      (ip.ecn === 'ce' && ecn === 3) || (ip.ecn === 'ect01' && (ecn === 1 || ecn === 2));
    if (!ok) throw differ('ECN field (' + ecn + ')');
  }

  /** Compare a captured packet with an ICMP `>` line (type and code). */
  private compareIcmp(st: PacketStatement, c: Captured, differ: (what: string) => Divergence): void {
    const m = c.icmp;
    if (m === null) throw differ('protocol');
    const n = icmpNumbers(st.icmp!.type, st.icmp!.code) as [number, number];
    if (m.type !== n[0]) throw differ('ICMP type (' + m.type + ')');
    if (m.code !== n[1]) throw differ('ICMP code (' + m.code + ')');
    this.compareIp(st.ip, m.tos, m.ttl, differ);
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

  /** Packet lines the runner cannot build or match stop the run. */
  private packetSupported(st: PacketStatement): void {
    if (st.udpEncap !== null) throw new Unsupported(st.line, 'TCP over UDP encapsulation (/udp(...))');
    if (st.pspSpi !== null) throw new Unsupported(st.line, 'PSP encryption (encap psp)');
    if (st.ports !== null) throw new Unsupported(st.line, 'explicit ports on a packet line (' + st.ports[0] + '>' + st.ports[1] + ')');
    if (st.proto === 'udp') throw new Unsupported(st.line, 'UDP datagrams in scripts');
    if (st.proto === 'icmp') {
      const n = icmpNumbers(st.icmp!.type, st.icmp!.code);
      if (typeof n === 'string') throw new Unsupported(st.line, n);
      if (st.dir === '<' && st.icmp!.quoted !== 'tcp' && st.icmp!.quoted !== null) throw new Unsupported(st.line, 'ICMP quoting ' + st.icmp!.quoted + ' data');
    }
  }

  // ---- inbound ---------------------------------------------------------------------------

  /** The IPv4 header of an inbound packet, payload already in place; returns the packet. */
  private ipPacket(p: Uint8Array, protocol: number, payloadLen: number, info: IpInfo | null): void {
    const ip = new ipv4.Ipv4Repr();
    ip.src = this.remoteAddr;
    ip.dst = this.localAddr;
    ip.protocol = protocol;
    ip.ttl = info !== null && info.ttl !== null ? info.ttl : 64;
    let tos = info !== null && info.tos !== null ? info.tos : 0;
    if (info !== null && info.ecn !== null) tos = (tos & 0xfc) | (info.ecn === 'ect1' ? 1 : info.ecn === 'ect0' ? 2 : info.ecn === 'ce' ? 3 : 0);
    ip.tos = tos;
    ip.ident = this.ipIdent++ & 0xffff;
    ip.dontFrag = true;
    ip.payloadLen = payloadLen;
    ipv4.emit(ip, p, 0);
  }

  /** SLIP-encode the packet and hand it to the stack's receiver. */
  private deliver(p: Uint8Array, line: number): void {
    const frame = new Uint8Array(2 * p.length + 2);
    const n = slip.encode(p, 0, p.length, frame, 0);
    if (this.rx === null) throw new Divergence(line, 'stack: it never registered a HAL receiver');
    const rx = this.rx;
    this.guard(line, () => rx(frame, 0, n));
  }

  /** A `<` statement: build the segment (or ICMP message) and hand it to the stack. */
  private inbound(st: PacketStatement): void {
    this.packetSupported(st);
    if (st.proto === 'icmp') {
      this.inboundIcmp(st);
      return;
    }
    const sp = st.seg;
    const o = sp.options || [];
    if ((sp.flags & tcp.SYN) && !(sp.flags & tcp.ACK)) {
      this.peerOffered.wscale = o.some((x) => x.kind === 'wscale' && x.value > 0);
      this.peerOffered.ts = o.some((x) => x.kind === 'TS');
      // RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR.
      this.peerOffered.ecn = (sp.flags & (tcp.ECE | tcp.CWR)) === (tcp.ECE | tcp.CWR);
    } else if (sp.flags & tcp.SYN) {
      // The peer's SYN-ACK answers the SYN the script expected from us: what both carry is
      // what the script negotiated (RFC 7323 §2.2, §3.2; RFC 3168 §6.1.1).
      const mine = this.ourSynOptions;
      if (o.some((x) => x.kind === 'wscale' && x.value > 0) && mine.indexOf('wscale') >= 0) this.rely(st.line, 'window scaling negotiated in the script (RFC 7323 §2; slipstack offers none)');
      if (o.some((x) => x.kind === 'TS') && mine.indexOf('TS') >= 0) this.rely(st.line, 'timestamps negotiated in the script (RFC 7323 §3; slipstack offers none)');
      if ((sp.flags & tcp.ECE) && mine.indexOf('ecn') >= 0) this.rely(st.line, 'ECN negotiated in the script (RFC 3168 §6.1.1; slipstack does not do ECN)');
    }
    if (this.scriptWindow !== null && this.advertised !== null && !(sp.flags & tcp.SYN) && !sp.absolute) {
      // Past the right edge we advertised, but inside the window the script assumes.
      const past = u32(sp.seq - this.advertised.ack);
      if (past >= this.advertised.win && past < this.scriptWindow) {
        this.rely(st.line, 'a receive window of ' + this.scriptWindow + ' octets (segment ' + sp.seq + ' lies past our right edge ' +
          u32(this.advertised.ack + this.advertised.win) + ')');
      }
    }
    if (o.some((x) => x.kind === 'md5')) this.rely(st.line, 'TCP MD5 signatures (RFC 2385)');
    if (o.some((x) => x.kind === 'FO' || x.kind === 'FOEXP')) this.rely(st.line, 'TCP Fast Open (RFC 7413)');
    if (st.ip !== null && st.ip.ecn !== null && st.ip.ecn !== 'noecn') this.rely(st.line, 'ECN codepoints (RFC 3168; slipstack does not do ECN)');
    this.noteInbound(st);
    let optBytes: Uint8Array;
    try {
      optBytes = encodeOptions(shiftSack(o, this.issKnown ? this.iss : 0));
    } catch (e) {
      throw new Divergence(st.line, 'options: ' + (e as Error).message);
    }
    const seq = ((sp.absolute ? 0 : this.remoteIsn) + sp.seq) | 0;
    const ack = sp.ack !== null ? ((this.issKnown ? this.iss : 0) + sp.ack) | 0 : 0;
    const hl = tcp.HEADER_LEN + optBytes.length;
    const p = new Uint8Array(ipv4.HEADER_LEN + hl + sp.len);
    if (p.length > Number(this.config.mtu)) this.rely(st.line, 'a packet of ' + p.length + ' octets, larger than the link MTU (' + this.config.mtu + ')');
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
    const tlen = tcp.emit(r, p, l4, this.remoteAddr, this.localAddr);
    p[l4 + 12] = (hl >> 2) << 4;
    tcp.fillChecksum(p, l4, tlen, this.remoteAddr, this.localAddr);
    this.ipPacket(p, ipv4.PROTO_TCP, tlen, st.ip);
    const d = decodeSegment(p);
    const text = typeof d === 'string' ? d : formatSegment(d, this.remoteIsn, this.issKnown ? this.iss : 0);
    this.ladder.push(fmtTime(this.now) + ' peer > stack  ' + text);
    this.deliver(p, st.line);
  }

  /** The state of the script's connection (C.*), or -1 when there is none or the stack cannot say. */
  private connState(): number {
    for (const e of this.fds.values()) if (e.kind === 'conn') return this.api.state(e.handle);
    return -1;
  }

  /** Remember what the failure classifiers need about an inbound segment. */
  private noteInbound(st: PacketStatement): void {
    const sp = st.seg;
    const a = this.advertised;
    const segLen = sp.len + ((sp.flags & tcp.SYN) ? 1 : 0) + ((sp.flags & tcp.FIN) ? 1 : 0);
    // Entirely left of RCV.NXT (the ACK field we last sent), by serial-number arithmetic
    // (RFC 1982): its last octet, or for an empty segment its SEQ, lies before RCV.NXT.
    const before = (x: number, y: number) => u32(x - y) >= 0x80000000;
    const left = a !== null && !sp.absolute && (segLen > 0 ? !before(a.ack, sp.seq + segLen) : before(sp.seq, a.ack));
    let listener = false;
    for (const e of this.fds.values()) if (e.kind === 'listener') listener = true;
    let conn = false;
    for (const e of this.fds.values()) if (e.kind === 'conn') conn = true;
    this.lastIn = { flags: sp.flags, seq: sp.seq, len: sp.len, left, toListener: listener && !conn && !this.issKnown, stateBefore: this.connState() };
    if (sp.len > 0 && !(sp.flags & tcp.SYN)) this.dataSinceAck.push({ seq: sp.seq, len: sp.len });
  }

  /**
   * An inbound ICMP error quoting one of our segments: the quoted IP header (ours to the peer)
   * and the first 8 octets of TCP header (ports, our seq), RFC 792 / RFC 1122 §3.2.2.
   */
  private inboundIcmp(st: PacketStatement): void {
    const m = st.icmp!;
    const [type, code] = icmpNumbers(m.type, m.code) as [number, number];
    const quoted = m.quoted === 'tcp' ? ipv4.HEADER_LEN + 8 : 0;
    const l4 = ipv4.HEADER_LEN;
    const p = new Uint8Array(l4 + icmp.HEADER_LEN + quoted);
    if (quoted > 0) {
      const q = l4 + icmp.HEADER_LEN;
      const ip = new ipv4.Ipv4Repr();
      ip.src = this.localAddr;
      ip.dst = this.remoteAddr;
      ip.protocol = ipv4.PROTO_TCP;
      ip.ttl = 64;
      ip.payloadLen = tcp.HEADER_LEN + st.seg.len;
      ipv4.emit(ip, p, q);
      const t = q + ipv4.HEADER_LEN;
      p[t] = this.localPort >> 8; p[t + 1] = this.localPort;
      p[t + 2] = this.remotePort >> 8; p[t + 3] = this.remotePort;
      const seq = ((st.seg.absolute ? 0 : this.iss) + st.seg.seq) | 0;
      p[t + 4] = seq >>> 24; p[t + 5] = seq >>> 16; p[t + 6] = seq >>> 8; p[t + 7] = seq;
    }
    const r = new icmp.IcmpRepr();
    r.type = type;
    r.code = code;
    // RFC 1191 §4: the next-hop MTU is the low half of the second word.
    r.seqNo = m.mtu !== null ? m.mtu : 0;
    r.ident = m.id !== null ? m.id : 0;
    r.dataLen = quoted;
    const len = icmp.emit(r, p, l4);
    this.ipPacket(p, ipv4.PROTO_ICMP, len, st.ip);
    this.icmpSeen = true;
    this.ladder.push(fmtTime(this.now) + ' peer > stack  icmp ' + m.type + (m.code !== null ? ' ' + m.code : '') +
      (m.mtu !== null ? ' mtu ' + m.mtu : '') + (quoted > 0 ? ' [' + st.seg.seq + ':' + st.seg.end + '(' + st.seg.len + ')]' : ''));
    this.deliver(p, st.line);
  }

  /** Run f; an exception from the stack is a divergence. */
  private guard<T>(line: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof Divergence || e instanceof Unsupported) throw e;
      throw new Divergence(line, 'stack threw: ' + ((e as Error).stack || String(e)).split('\n').slice(0, 3).join(' | '));
    }
  }

  // ---- socket calls ----------------------------------------------------------------------

  /** A socket call: run it (or start it, when it blocks), compare its result. */
  private call(st: CallStatement, t: number): void {
    if (st.time.range === '...') {
      // A blocking call: connect starts now; every call completes at its end time, which
      // counts from the same base as its start.
      const end = t - st.time.ms + (st.time.endMs as number);
      if (BLOCKING_CALLS.indexOf(st.name) < 0) throw new Unsupported(st.line, 'the call ' + st.name + '()' + ' (blocking)');
      if (st.name === 'send' || st.name === 'sendto') this.msgFlags(st, 3, ['MSG_DONTWAIT', 'MSG_NOSIGNAL']);
      if (st.name === 'recv' || st.name === 'recvfrom') this.msgFlags(st, 3, ['MSG_DONTWAIT', 'MSG_PEEK']);
      if (st.name === 'connect') this.run1(st, () => this.startConnect(st));
      this.pending = { st, end };
      return;
    }
    this.run1(st, () => this.doCall(st));
  }

  /** Finish the pending blocking call at its end time. */
  private finishPending(): void {
    const p = this.pending as { st: CallStatement; end: number };
    this.pending = null;
    this.runTo(p.end, p.st.line);
    this.noUnexpected(p.st.line);
    this.run1(p.st, () => p.st.name === 'connect' ? this.connectResult(p.st) : this.doCall(p.st));
  }

  /** Run a call's body (null = ignored) and compare its result with the script's. */
  private run1(st: CallStatement, body: () => CallResult | null): void {
    // The call's ladder line goes before the packets it makes the stack send.
    const at = this.ladder.length;
    let r: CallResult | null;
    try {
      r = body();
    } catch (e) {
      if (e instanceof Divergence || e instanceof Unsupported) throw e;
      const code = (e as { code?: unknown }).code;
      if (typeof code !== 'number') {
        throw new Divergence(st.line, 'stack threw: ' + ((e as Error).stack || String(e)).split('\n').slice(0, 3).join(' | '));
      }
      r = { ret: -1, errno: errnoName(code) };
    }
    if (r === null) return;
    const actual = r.ret + (r.errno !== null ? ' ' + r.errno : '');
    this.ladder.splice(at, 0, fmtTime(this.now) + ' app           ' + st.name + '(' + st.args.join(', ') + ') = ' + actual);
    const expected = st.retText + (st.errno !== null ? ' ' + st.errno : '');
    // A blocking connect's `= 0` is fine: ours never blocks; the handshake lines check the rest.
    if (st.name === 'connect' && st.ret === 0 && st.time.range !== '...' && r.ret === -1 && r.errno === 'EINPROGRESS') return;
    if (r.ret !== st.ret || (st.errno !== null && (r.errno === null || !sameErrno(st.errno, r.errno)))) {
      const msg = st.name + ': expected = ' + expected + ' vs actual = ' + actual;
      if (this.nonFatalCalls) {
        this.notes.push('line ' + st.line + ': warning (--non_fatal=syscall): ' + msg);
        return;
      }
      throw new Divergence(st.line, msg);
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
    const a = st.args[i];
    const n = a !== undefined && /^0x[0-9a-f]+$/i.test(a) ? parseInt(a, 16) : Number(a);
    if (!(n >= 0 && n === Math.floor(n))) throw new Divergence(st.line, st.name + ': argument ' + (i + 1) + ' must be a count, got "' + a + '"');
    return n;
  }

  /** The MSG_* flags of a send/recv call that the runner cannot honour stop the run. */
  private msgFlags(st: CallStatement, i: number, known: string[]): string[] {
    const a = st.args[i];
    if (a === undefined || /^(0|0x0)$/.test(a)) return [];
    const flags = a.split('|').map((x) => x.trim());
    for (const f of flags) {
      if (f === 'MSG_FASTOPEN') throw new Unsupported(st.line, 'TCP Fast Open (RFC 7413; ' + st.name + ' with MSG_FASTOPEN)');
      if (known.indexOf(f) < 0) throw new Unsupported(st.line, st.name + ' flag ' + f);
    }
    return flags;
  }

  /** A new connection inherits the settings made on its socket or listener before it existed (noted when the stack lacks one). */
  private applyInherited(from: FdEntry, h: number, line: number): void {
    if (from.noDelay !== null && !this.api.setNoDelay(h, from.noDelay)) this.rely(line, 'the socket option TCP_NODELAY');
    if (from.keepAlive !== null && !this.api.setKeepAlive(h, from.keepAlive)) this.rely(line, 'the socket option SO_KEEPALIVE');
    if (from.r2 !== null && !this.api.setR2(h, from.r2)) this.rely(line, 'the socket option TCP_USER_TIMEOUT');
  }

  /** connect(): start an active open. */
  private startConnect(st: CallStatement): CallResult | null {
    const e = this.fd(st, ['socket', 'listener']);
    // RFC 793 §3.9 OPEN on a LISTEN endpoint: it becomes active (LISTEN -> SYN-SENT).
    e.handle = e.kind === 'listener' ? this.api.connectFrom(e.handle, this.remoteAddr, this.remotePort)
      : this.api.connect(this.remoteAddr, this.remotePort, this.localPort);
    e.kind = 'conn';
    this.applyInherited(e, e.handle, st.line);
    return st.time.range === '...' ? null : { ret: -1, errno: 'EINPROGRESS' };
  }

  /** The result of a blocking connect at its end time. */
  private connectResult(st: CallStatement): CallResult {
    const e = this.fd(st, ['conn']);
    const s = this.api.connectState(e.handle);
    if (s === 'connected') return { ret: 0, errno: null };
    if (s === 'connecting') throw new Divergence(st.line, 'connect: expected = ' + st.retText + ' at ' + fmtTime(this.now) + ' vs actual: still connecting');
    return { ret: -1, errno: s };
  }

  /**
   * Carry out the call; null = ignored (already reported). Throws what the stack throws.
   *   socket -> a new fd (its number is the one the script expects; SOCK_STREAM only);
   *   bind -> nothing (the port is `local_port`, default 8080); listen -> tcpListen;
   *   accept -> tcpAccept (-1 EAGAIN when the queue is empty); connect -> tcpConnect, or
   *   tcpConnectFrom on a listening fd (-1 EINPROGRESS; a script's `= 0` is accepted too);
   *   write/send/sendto -> tcpWrite of the outbound pattern; read/recv/recvfrom -> tcpRead
   *   with the bytes checked, MSG_PEEK without consuming; shutdown SHUT_WR/SHUT_RDWR ->
   *   tcpShutdown; close -> tcpClose / tcpUnlisten (tcpAbort after SO_LINGER {onoff=1,
   *   linger=0}); getsockopt SO_ERROR -> tcpError, SO_RCVBUF / SO_SNDBUF -> the configured
   *   ring sizes (compared in strict mode only); setsockopt TCP_NODELAY -> tcpSetNoDelay,
   *   SO_KEEPALIVE -> tcpSetKeepAlive, TCP_USER_TIMEOUT -> tcpSetR2, SO_LINGER (see close),
   *   all three remembered on a socket or listener and applied to its connection;
   *   fcntl F_GETFL / F_SETFL -> the fd's O_NONBLOCK flag; ioctl FIONREAD / SIOCINQ -> octets
   *   readable. Other socket options, poll and epoll are ignored; other calls are unsupported.
   */
  private doCall(st: CallStatement): CallResult | null {
    const api = this.api;
    switch (st.name) {
      case 'socket': {
        if (st.args[1] !== undefined && st.args[1] !== '...' && !/SOCK_STREAM/.test(st.args[1])) {
          throw new Unsupported(st.line, 'socket type ' + st.args[1] + ' (TCP sockets only)');
        }
        if (st.ret >= 0) this.fds.set(st.ret, { kind: 'socket', handle: -1, readOff: 0, linger0: false, nonblock: false, noDelay: null, keepAlive: null, r2: null });
        return { ret: st.ret, errno: st.errno };
      }
      case 'bind':
        this.fd(st, ['socket']);
        return { ret: 0, errno: null };
      case 'listen': {
        const e = this.fd(st, ['socket', 'listener']);
        if (e.kind === 'listener') return { ret: 0, errno: null };
        const backlog = st.args.length > 1 ? this.intArg(st, 1) : 1;
        e.handle = api.listen(this.localPort, backlog > 0 ? backlog : 1);
        e.kind = 'listener';
        return { ret: 0, errno: null };
      }
      case 'accept': {
        const e = this.fd(st, ['listener']);
        const conn = api.accept(e.handle);
        if (conn === null) return { ret: -1, errno: 'EAGAIN' };
        let fd = st.ret;
        if (fd < 0 || this.fds.has(fd)) { fd = 3; while (this.fds.has(fd)) fd++; }
        this.fds.set(fd, { kind: 'conn', handle: conn, readOff: 0, linger0: e.linger0, nonblock: false, noDelay: null, keepAlive: null, r2: null });
        this.applyInherited(e, conn, st.line);
        return { ret: fd, errno: null };
      }
      case 'connect':
        return this.startConnect(st);
      case 'write': case 'send': case 'sendto': {
        if (st.name !== 'write') this.msgFlags(st, 3, ['MSG_DONTWAIT', 'MSG_NOSIGNAL']);
        const e = this.fd(st, ['conn']);
        const count = this.intArg(st, 2);
        const buf = new Uint8Array(count);
        for (let k = 0; k < count; k++) buf[k] = patternByte(1, this.written + k);
        const r = api.write(e.handle, buf, count);
        if (r.ret > 0) this.written += r.ret;
        return r;
      }
      case 'read': case 'recv': case 'recvfrom': {
        const flags = st.name === 'read' ? [] : this.msgFlags(st, 3, ['MSG_DONTWAIT', 'MSG_PEEK']);
        const peek = flags.indexOf('MSG_PEEK') >= 0;
        const e = this.fd(st, ['conn']);
        const count = this.intArg(st, 2);
        const buf = new Uint8Array(count);
        const r = peek ? api.peek(e.handle, buf, count) : api.read(e.handle, buf, count);
        if (r === null) throw new Unsupported(st.line, 'MSG_PEEK (this stack offers no way to look at data without reading it)');
        if (r.ret > count) throw new Divergence(st.line, st.name + ': the stack returned ' + r.ret + ' octets for a ' + count + '-octet buffer');
        for (let k = 0; k < r.ret; k++) {
          const want = patternByte(0, e.readOff + k);
          if (buf[k] !== want) {
            throw new Divergence(st.line, st.name + ' data: expected the peer\'s stream octet ' + (e.readOff + k) + ' = 0x' + want.toString(16) +
              ' vs actual 0x' + buf[k].toString(16));
          }
        }
        if (!peek && r.ret > 0) e.readOff += r.ret;
        return r;
      }
      case 'shutdown': {
        const how = st.args[1] || '';
        if (how === 'SHUT_RD') { this.ignore(st, 'SHUT_RD has no TCP effect here'); return null; }
        const e = this.fd(st, ['conn', 'socket', 'listener']);
        if (e.kind !== 'conn') return { ret: -1, errno: 'ENOTCONN' };
        api.shutdown(e.handle);
        return { ret: 0, errno: null };
      }
      case 'close': {
        const n = Number(st.args[0]);
        const e = this.fds.get(n);
        if (e === undefined) return { ret: -1, errno: 'EBADF' };
        this.fds.delete(n);
        if (e.kind === 'listener') api.unlisten(e.handle);
        else if (e.kind === 'conn') {
          if (e.linger0) api.abort(e.handle);
          else api.close(e.handle);
        }
        return { ret: 0, errno: null };
      }
      case 'getsockopt':
        return this.getsockopt(st);
      case 'setsockopt':
        return this.setsockopt(st);
      case 'fcntl': {
        const e = this.fd(st, ['socket', 'listener', 'conn']);
        const cmd = st.args[1];
        if (cmd === 'F_GETFL') return { ret: O_RDWR | (e.nonblock ? O_NONBLOCK : 0), errno: null };
        if (cmd === 'F_SETFL') {
          e.nonblock = /O_NONBLOCK/.test(st.args[2] || '');
          return { ret: 0, errno: null };
        }
        this.ignore(st, 'fcntl command not modelled');
        return null;
      }
      case 'ioctl': {
        const req = st.args[1];
        if (req === 'FIONREAD' || req === 'SIOCINQ') {
          const e = this.fd(st, ['conn']);
          const n = api.readable(e.handle);
          if (n === null) { this.ignore(st, 'this stack cannot say how much is readable'); return null; }
          const want = bracketed(st.args[2]);
          if (want !== null && want !== '...' && Number(want) !== n) {
            throw new Divergence(st.line, 'ioctl ' + req + ': expected [' + want + '] vs actual [' + n + ']');
          }
          return { ret: 0, errno: null };
        }
        this.ignore(st, 'ioctl request not modelled');
        return null;
      }
      case 'poll': case 'epoll_wait': case 'epoll_ctl': case 'epoll_create': case 'epoll_create1':
        this.ignore(st, 'readiness calls are not modelled');
        return null;
      default:
        throw new Unsupported(st.line, 'the call ' + st.name + '()');
    }
  }

  /** getsockopt: SO_ERROR, SO_RCVBUF, SO_SNDBUF; other options are ignored. */
  private getsockopt(st: CallStatement): CallResult | null {
    const opt = st.args[2];
    const want = bracketed(st.args[3]);
    if (opt === 'SO_ERROR') {
      const e = this.fd(st, ['conn', 'socket', 'listener']);
      const err = e.kind === 'conn' ? this.api.soError(e.handle) : 0;
      const w = want !== null ? want : '0';
      const got = err === 0 ? '0' : errnoName(err);
      if (w !== got && !sameErrno(w, got)) {
        const msg = 'getsockopt SO_ERROR: expected [' + w + '] vs actual [' + got + ']';
        if (!this.nonFatalCalls) throw new Divergence(st.line, msg).as('so_error', null, null);
        this.notes.push('line ' + st.line + ': warning (--non_fatal=syscall): ' + msg);
      }
      return { ret: 0, errno: null };
    }
    if (opt === 'SO_RCVBUF' || opt === 'SO_SNDBUF') {
      const e = this.fd(st, ['conn', 'socket', 'listener']);
      const size = Number(this.config[opt === 'SO_RCVBUF' ? 'tcpRcvBuf' : 'tcpSndBuf']);
      if (want !== null && want !== '...' && Number(want) !== size) {
        // A buffer size is the host's setting, like the window it gives: portable mode notes it.
        const msg = 'getsockopt ' + opt + ': expected [' + want + '] vs actual [' + size + ']';
        if (this.strict) throw new Divergence(st.line, msg + ' (strict)');
        this.notes.push('line ' + st.line + ': ' + msg + ' (a host setting; compared in strict mode only)');
        // The script's idea of the receive window: segments it sends past our right edge but
        // inside its window mean something else to us (see inbound).
        if (opt === 'SO_RCVBUF' && e.kind === 'conn' && Number(want) > size) this.scriptWindow = Number(want);
      }
      return { ret: 0, errno: null };
    }
    this.ignore(st, 'option not modelled');
    return null;
  }

  /** setsockopt: TCP_NODELAY, SO_KEEPALIVE, TCP_USER_TIMEOUT, SO_LINGER; SO_REUSEADDR has no effect; others are ignored. */
  private setsockopt(st: CallStatement): CallResult | null {
    const opt = st.args[2];
    const val = st.args[3] || '';
    const e = this.fd(st, ['conn', 'socket', 'listener']);
    const n = Number(bracketed(val));
    if (opt === 'TCP_NODELAY' || opt === 'SO_KEEPALIVE' || opt === 'TCP_USER_TIMEOUT') {
      if (!(n >= 0)) throw new Divergence(st.line, 'setsockopt ' + opt + ': the value must be [N], got "' + val + '"');
      if (opt === 'TCP_USER_TIMEOUT' && n === 0) { this.ignore(st, 'TCP_USER_TIMEOUT 0 keeps the stack\'s R2'); return null; }
      if (opt === 'TCP_NODELAY') e.noDelay = n !== 0;
      else if (opt === 'SO_KEEPALIVE') e.keepAlive = n !== 0;
      else e.r2 = n;
      if (e.kind !== 'conn') return { ret: 0, errno: null };
      const done = opt === 'TCP_NODELAY' ? this.api.setNoDelay(e.handle, n !== 0)
        : opt === 'SO_KEEPALIVE' ? this.api.setKeepAlive(e.handle, n !== 0) : this.api.setR2(e.handle, n);
      if (done) return { ret: 0, errno: null };
      this.ignore(st, 'this stack has no such setting', 'the socket option ' + opt);
      return null;
    }
    if (opt === 'SO_LINGER') {
      const on = /onoff\s*=\s*([0-9]+)/.exec(val);
      const lg = /linger\s*=\s*([0-9]+)/.exec(val);
      e.linger0 = !!on && on[1] !== '0' && !!lg && lg[1] === '0';
      if (on && on[1] !== '0' && !e.linger0) { this.ignore(st, 'only a zero linger time is modelled', 'SO_LINGER with a non-zero time'); return null; }
      return { ret: 0, errno: null };
    }
    if (opt === 'SO_REUSEADDR' || opt === 'SO_REUSEPORT') {
      this.ignore(st, 'no effect here: only another listener keeps tcpListen from a port');
      return null;
    }
    this.ignore(st, 'option not modelled', 'the socket option ' + opt);
    return null;
  }
}

/** Parse and run one script against a fresh stack. Never throws for a bad script or stack. */
export function runScript(text: string, opts?: RunOptions): RunResult {
  const o = opts || {};
  const empty = { ignored: [] as string[], notes: [] as string[], ladder: [] as string[], strict: !!o.strict };
  let script;
  try {
    script = parseScript(text, { defines: o.defines });
  } catch (e) {
    if (e instanceof PktSyntaxError) {
      return { ...empty, ok: false, verdict: 'syntax', reason: '', line: e.line, message: 'syntax: ' + e.message.replace(/^line \d+: /, ''), statements: 0 };
    }
    throw e;
  }
  let runner: Runner;
  try {
    runner = new Runner(script, o);
  } catch (e) {
    const line = script.statements.length > 0 ? script.statements[0].line : 1;
    return { ...empty, ok: false, verdict: 'fail', reason: '', line, message: 'stack: could not be created: ' + (e as Error).message, statements: script.statements.length };
  }
  return runner.run();
}
