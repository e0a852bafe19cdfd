/**
 * Parser for packetdrill-format TCP scripts (github.com/google/packetdrill), the notation TCP
 * engineers read: one statement per line, a timestamp, then an inbound segment (`<`), an
 * expected outbound segment (`>`), a socket call with its expected result, or a backtick
 * shell command. It reads the project's own scripts and the public suites (Google's
 * packetdrill tests, FreeBSD's tcp-testsuite, which uses NPLab's packetdrill extensions).
 *
 *   --tolerance_usecs=25000
 *   // slipstack: remote_isn=4294967000 msl=1000 strict
 *   0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
 *   +0    bind(3, ..., ...) = 0
 *   +0    listen(3, 1) = 0
 *   +0.1  < S 0:0(0) win 1000 <mss 1000,nop,nop,sackOK>
 *   +0    > S. 0:0(0) ack 1 win 1024 <mss 256>
 *   +.1   < . 1:1(0) ack 1 win 1000
 *   +0    accept(3, ..., ...) = 4
 *
 * Contract:
 * - `parseScript(text, { defines })` returns the header directives, the option lines and
 *   the statements in file order, each with its 1-based line number; it throws
 *   `PktSyntaxError` (which carries the line number) for anything it does not understand,
 *   so a typo never silently becomes a no-op. Parsing says nothing about whether the runner
 *   can carry a statement out: that is the runner's verdict.
 * - Comments are `//` to end of line and `/* ... *\/` (may span lines). A `//` comment whose
 *   text begins with `slipstack:` is a header directive (real packetdrill ignores it):
 *   `key=value` pairs and the flags `strict` / `portable`. The runner's own keys are
 *   `remote_isn`, `remote_port`, `local_port` and `tolerance`; every other key is a stack
 *   configuration override, kept with its value typed (number, boolean or string).
 * - Conditional blocks `#ifdef NAME` / `#ifndef NAME` / `#else` / `#endif` (nesting allowed)
 *   keep or drop lines by the names in `defines`; dropped lines keep their line numbers.
 *   A define `NAME=VALUE` also replaces the whole word NAME by VALUE in statements (as
 *   packetdrill's `-D NAME=VALUE` does: `<FO TFO_COOKIE>`).
 * - Option lines `--name=value` or `--name` (packetdrill's command-line options written in
 *   the script: `--ip_version=ipv4`, `--tolerance_usecs=...`, `--mtu=...`) are collected in
 *   `options`; the runner decides what each means.
 * - Timestamps: `0.100` absolute seconds, `+0.1` / `+.1` / `+ 0.1` relative, `*` any time; a
 *   range `A~B` (packetdrill's tolerance range) or `A...B` (a blocking call that returns at
 *   B; in `+A...B` both ends count from the previous statement) keeps both ends. Times are
 *   converted to integer milliseconds. A backtick command may stand without a time (the
 *   script's init and cleanup commands); it is then `+0`.
 * - TCP segments: `[IP] [encap psp spi N] [SRC>DST] FLAGS SEQ:END(LEN)[!] [ack N] [win N]
 *   [urg N] [<options>] [/udp(SRC > DST)]`. FLAGS is made of `S F R P . U E W` (`.` is ACK)
 *   or `-` (none). IP is `[noecn]`, `[ect0]`, `[ect1]`, `[ce]`, `[ect01]`, `(tos 0x..)`,
 *   `(ttl N)`, `(flowlabel 0x..)` and NPLab's IPv6 `(class 0x..)`, `(hlim N)`, in `[]` or `()`,
 *   comma-separated. Sequence numbers stay RELATIVE here (the runner maps them), unless the
 *   NPLab mark `!` follows LEN (absolute); NPLab's `...(LEN)` on an outbound line stands for
 *   any sequence number; values are 0..2^32-1 and END - SEQ must equal LEN
 *   mod 2^32. Options: `mss N`, `nop`, `eol`, `sackOK`, `wscale N`, `TS val N ecr N`,
 *   `sack A:B ...`, `FO [cookie]`, `FOEXP [cookie]` (TCP Fast Open, RFC 7413, and its
 *   experimental kind 254), `md5 HEX|valid|invalid` (RFC 2385), `ECN e0b N ceb N e1b N`
 *   (AccECN); `<...>` means "any options" (outbound lines only).
 * - ICMP: `icmp TYPE [CODE] [mtu N] [id N] [[SEQ:END(LEN)] | [udp(N)] | [raw(N)]]`, the
 *   bracket naming what the ICMP message quotes. UDP: `udp [SRC>DST] (LEN)`.
 * - Calls: `name(arg, arg, ...) = RET [ERRNO] [(text)]`; RET is an integer, hexadecimal
 *   (`= 0x02 (flags O_RDWR)`) or another expression kept as text; arguments are kept as
 *   text (split at top-level commas), the runner interprets them. A call whose brackets are
 *   still open at the end of a line continues on the next lines.
 * - `%{ ... }%` blocks (packetdrill's Python hooks) are kept as statements of kind `python`
 *   so the runner can report them as ignored.
 *
 * Host tool: allocates freely.
 */
import * as tcp from '../../src/wire/tcp.js';

/** A syntax error at a 1-based line of the script. */
export class PktSyntaxError extends Error {
  /** 1-based line number. */
  line: number;

  /** `message` says what was wrong; `line` where. */
  constructor(line: number, message: string) {
    super('line ' + line + ': ' + message);
    this.line = line;
  }
}

/** What parseScript is told from outside the script. */
export interface ParseOptions {
  /** `NAME` (for `#ifdef`) or `NAME=VALUE` (also substituted for the word NAME). */
  defines?: string[];
}

/** When a statement runs: absolute or relative to the previous statement, or any time. */
export interface TimeSpec {
  /** `abs` seconds from the start, `rel` (a `+` prefix), or `any` (`*`). */
  kind: 'abs' | 'rel' | 'any';
  /** Milliseconds (0 for `any`). */
  ms: number;
  /** The upper end of an `A~B` / `A...B` range, same kind as A (relative ends are relative to the same base as A); null when no range. */
  endMs: number | null;
  /** `~` (tolerance range) or `...` (blocking call), when there is a range. */
  range: '~' | '...' | null;
}

/** One TCP option as written in a script (and as rendered from a captured segment). */
export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'sackOK' }
  | { kind: 'wscale'; value: number }
  | { kind: 'TS'; val: number; ecr: number }
  | { kind: 'sack'; blocks: [number, number][] }
  /** TCP Fast Open (RFC 7413 §4.1.1, kind 34): the cookie as hex ('' = a cookie request). */
  | { kind: 'FO'; cookie: string }
  /** TCP Fast Open, the experimental kind 254 with magic 0xF989 (RFC 6994). */
  | { kind: 'FOEXP'; cookie: string }
  /** TCP MD5 signature (RFC 2385, kind 19): 32 hex digits, or NPLab's `valid` / `invalid`. */
  | { kind: 'md5'; sig: string }
  /** Accurate ECN counters (draft-ietf-tcpm-accurate-ecn): the fields in the order written. */
  | { kind: 'accecn'; fields: [string, number][] }
  /** Only in rendered captures: a kind the notation has no name for. */
  | { kind: 'unknown'; code: number; len: number };

/** A segment as written: flags, relative sequence space, optional fields. */
export interface SegmentSpec {
  /** Control bits, as in src/wire/tcp.ts (SYN, ACK, ...). */
  flags: number;
  /** Relative sequence number of the first octet (0..2^32-1). */
  seq: number;
  /** Relative sequence number after the last data octet (SYN/FIN not counted, as in packetdrill). */
  end: number;
  /** Data octets. */
  len: number;
  /** Relative acknowledgment number, or null when the line gives none. */
  ack: number | null;
  /** Window field, or null when not given. */
  win: number | null;
  /** Urgent pointer, or null when not given. */
  urg: number | null;
  /** The options list, or null when the line has none. */
  options: TcpOption[] | null;
  /** True for `<...>`: any options are fine. */
  anyOptions: boolean;
  /** NPLab's `!` after LEN: SEQ is absolute, not relative (only present when true). */
  absolute?: boolean;
  /** NPLab's `...(LEN)` in place of SEQ:END: any sequence number (outbound; only present when true). */
  anySeq?: boolean;
}

/** IP header fields a packet line gives (`[noecn]`, `(tos 0x20)`, `(ttl 64)`...). */
export interface IpInfo {
  /** ECN codepoint name (noecn, ect0, ect1, ce, ect01) or null. */
  ecn: string | null;
  /** TOS (IPv6: traffic class), or null. */
  tos: number | null;
  /** TTL (IPv6: hop limit), or null. */
  ttl: number | null;
  /** IPv6 flow label, or null. */
  flowLabel: number | null;
}

/** An ICMP message line. */
export interface IcmpSpec {
  /** Type name as written: unreachable, time_exceeded, packet_too_big, ... */
  type: string;
  /** Code name, or null. */
  code: string | null;
  /** `mtu N` (fragmentation needed / packet too big), or null. */
  mtu: number | null;
  /** `id N` (echo identifier), or null. */
  id: number | null;
  /** What the message quotes: a TCP segment (its SEQ and LEN are in the statement's `seg`), UDP or raw octets, or nothing. */
  quoted: 'tcp' | 'udp' | 'raw' | null;
  /** Octets of UDP/raw payload quoted. */
  quotedLen: number;
}

/** Directives from `// slipstack:` header comments. */
export interface Header {
  /** Stack configuration overrides (any key the stack's config knows). */
  config: Record<string, number | string | boolean>;
  /** The peer's initial sequence number (absolute, 0..2^32-1), or null for the runner's default. */
  remoteIsn: number | null;
  /** The peer's port, or null for the default (40000). */
  remotePort: number | null;
  /** The stack's port used before/without a bind, or null for the default (8080). */
  localPort: number | null;
  /** Timing tolerance in ms, or null for the runner's. */
  tolerance: number | null;
  /** true: `strict`, false: `portable`, null: whatever the runner was asked for. */
  strict: boolean | null;
}

/** An option line: `--name=value` (value null for `--name`). */
export interface ScriptOption {
  line: number;
  name: string;
  value: string | null;
}

interface StatementBase {
  /** 1-based line where the statement starts. */
  line: number;
  /** When it runs. */
  time: TimeSpec;
  /** The statement's source text without the timestamp or comments (for messages). */
  text: string;
}

/** `<` (the peer sends it to the stack) or `>` (the stack must send it). */
export interface PacketStatement extends StatementBase {
  type: 'packet';
  dir: '<' | '>';
  /** What the line describes: a TCP segment, an ICMP message, a UDP datagram. */
  proto: 'tcp' | 'icmp' | 'udp';
  /** TCP: the segment. ICMP: the quoted TCP segment (SEQ, LEN). UDP: LEN only. */
  seg: SegmentSpec;
  /** IP fields the line asks for, or null. */
  ip: IpInfo | null;
  /** Explicit `SRC>DST` ports, or null (the connection's). */
  ports: [number, number] | null;
  /** TCP over UDP (RFC 8899-style encapsulation, `/udp(SRC > DST)`), or null. */
  udpEncap: [number, number] | null;
  /** PSP encapsulation SPI (`encap psp spi N`), or null. */
  pspSpi: number | null;
  /** The ICMP message, for proto icmp. */
  icmp: IcmpSpec | null;
}

/** A socket call and the result the script expects. */
export interface CallStatement extends StatementBase {
  type: 'call';
  /** The call's name: socket, bind, listen, accept, connect, read, write, ... */
  name: string;
  /** Arguments as text, split at top-level commas and trimmed. */
  args: string[];
  /** Expected return value (NaN when it is not a number: see retText). */
  ret: number;
  /** The expected result as written (`3`, `0x02`, `[...]`). */
  retText: string;
  /** Expected errno name (`EAGAIN`), or null. */
  errno: string | null;
}

/** A backtick shell command (sysctl and friends), or a `%{ }%` Python block. */
export interface IgnoredStatement extends StatementBase {
  type: 'shell' | 'python';
}

/** One statement of a script. */
export type Statement = PacketStatement | CallStatement | IgnoredStatement;

/** A parsed script. */
export interface Script {
  header: Header;
  /** Option lines, in file order. */
  options: ScriptOption[];
  statements: Statement[];
}

/** Characters of the flags field and their control bits (packetdrill notation). */
const FLAG_BITS: Record<string, number> = {
  S: tcp.SYN, F: tcp.FIN, R: tcp.RST, P: tcp.PSH, '.': tcp.ACK, U: tcp.URG, E: tcp.ECE, W: tcp.CWR,
};

/** 2^32: sequence numbers are written as unsigned 32-bit values. */
const TWO32 = 4294967296;

/** Parse the control-bit field (`S.`, `F.`, `R`, `P.`, `-` for none, ...). */
export function parseFlags(s: string, line: number): number {
  if (s === '-') return 0;
  let f = 0;
  for (const ch of s) {
    const bit = FLAG_BITS[ch];
    if (bit === undefined) throw new PktSyntaxError(line, 'bad TCP flags "' + s + '": use S F R P . U E W (. is ACK) or - for none');
    if (f & bit) throw new PktSyntaxError(line, 'flag "' + ch + '" given twice in "' + s + '"');
    f |= bit;
  }
  return f;
}

/** An unsigned integer that must fit in `max`. */
function uint(s: string, max: number, what: string, line: number): number {
  if (!/^\d+$/.test(s)) throw new PktSyntaxError(line, what + ' must be an unsigned integer, got "' + s + '"');
  const n = Number(s);
  if (n > max) throw new PktSyntaxError(line, what + ' ' + n + ' is above ' + max);
  return n;
}

/** An unsigned integer written in decimal or as 0x hexadecimal. */
function uintOrHex(s: string, max: number, what: string, line: number): number {
  if (/^0x[0-9a-fA-F]+$/.test(s)) {
    const n = parseInt(s.slice(2), 16);
    if (n > max) throw new PktSyntaxError(line, what + ' ' + s + ' is above ' + max);
    return n;
  }
  return uint(s, max, what, line);
}

/**
 * A Fast Open cookie: whole octets in hex, or none. RFC 7413 §4.1.1 allows 4..16 octets;
 * scripts also send other lengths on purpose, so anything that fits the 40 octets of option
 * space (2 for kind and length, 4 more for FOEXP's magic) is accepted here.
 */
function cookie(w: string[], line: number): string {
  if (w.length === 1) return '';
  if (w.length !== 2 || !/^([0-9a-fA-F]{2}){1,38}$/.test(w[1])) {
    throw new PktSyntaxError(line, 'Fast Open cookie must be whole octets in hex, got "' + w.slice(1).join(' ') + '" (a symbol needs --define NAME=VALUE)');
  }
  return w[1].toLowerCase();
}

/** Parse the inside of `<...>`: the comma-separated options. */
export function parseOptions(inner: string, line: number): TcpOption[] {
  const out: TcpOption[] = [];
  const items = inner.split(',').map((x) => x.trim());
  if (items.length === 1 && items[0] === '') return out;
  for (const item of items) {
    const w = item.split(/\s+/);
    const name = w[0].toLowerCase();
    if (name === 'nop' && w.length === 1) out.push({ kind: 'nop' });
    else if (name === 'eol' && w.length === 1) out.push({ kind: 'eol' });
    else if (name === 'sackok' && w.length === 1) out.push({ kind: 'sackOK' });
    else if (name === 'mss' && w.length === 2) out.push({ kind: 'mss', value: uint(w[1], 0xffff, 'mss', line) });
    // RFC 7323 §2.3: the shift count is one octet (values above 14 are clamped by receivers, not here).
    else if (name === 'wscale' && w.length === 2) out.push({ kind: 'wscale', value: uint(w[1], 0xff, 'wscale', line) });
    else if (name === 'ts' && w.length === 5 && w[1].toLowerCase() === 'val' && w[3].toLowerCase() === 'ecr') {
      out.push({ kind: 'TS', val: uint(w[2], TWO32 - 1, 'TS val', line), ecr: uint(w[4], TWO32 - 1, 'TS ecr', line) });
    } else if (name === 'sack' && w.length >= 2) {
      const blocks: [number, number][] = [];
      for (let i = 1; i < w.length; i++) {
        const m = /^(\d+):(\d+)$/.exec(w[i]);
        if (!m) throw new PktSyntaxError(line, 'sack block must be START:END, got "' + w[i] + '"');
        blocks.push([uint(m[1], TWO32 - 1, 'sack start', line), uint(m[2], TWO32 - 1, 'sack end', line)]);
      }
      // RFC 2018 §3: at most 4 blocks fit in the 40 octets of option space.
      if (blocks.length > 4) throw new PktSyntaxError(line, 'at most 4 sack blocks fit in a TCP header');
      out.push({ kind: 'sack', blocks });
    } else if (w[0] === 'FO') {
      out.push({ kind: 'FO', cookie: cookie(w, line) });
    } else if (w[0] === 'FOEXP') {
      out.push({ kind: 'FOEXP', cookie: cookie(w, line) });
    } else if (name === 'md5' && w.length === 2 && /^(valid|invalid|[0-9a-fA-F]{32})$/.test(w[1])) {
      out.push({ kind: 'md5', sig: w[1].toLowerCase() });
    } else if (w[0] === 'ECN' && w.length >= 3 && w.length % 2 === 1) {
      const fields: [string, number][] = [];
      for (let i = 1; i < w.length; i += 2) {
        if (!/^(e0b|e1b|ceb)$/.test(w[i])) throw new PktSyntaxError(line, 'AccECN field must be e0b, ceb or e1b, got "' + w[i] + '"');
        fields.push([w[i], uint(w[i + 1], 0xffffff, 'AccECN ' + w[i], line)]);
      }
      out.push({ kind: 'accecn', fields });
    } else {
      throw new PktSyntaxError(line, 'unknown or malformed TCP option "' + item + '" (known: mss N, nop, eol, sackOK, wscale N, TS val N ecr N, sack A:B, FO, FOEXP, md5, ECN)');
    }
  }
  return out;
}

/** Option in packetdrill notation. */
export function formatOption(o: TcpOption): string {
  switch (o.kind) {
    case 'mss': return 'mss ' + o.value;
    case 'wscale': return 'wscale ' + o.value;
    case 'TS': return 'TS val ' + o.val + ' ecr ' + o.ecr;
    case 'sack': return 'sack ' + o.blocks.map((b) => b[0] + ':' + b[1]).join(' ');
    case 'FO': return o.cookie === '' ? 'FO' : 'FO ' + o.cookie;
    case 'FOEXP': return o.cookie === '' ? 'FOEXP' : 'FOEXP ' + o.cookie;
    case 'md5': return 'md5 ' + o.sig;
    case 'accecn': return 'ECN ' + o.fields.map((f) => f[0] + ' ' + f[1]).join(' ');
    case 'unknown': return 'kind' + o.code + ' len ' + o.len;
    default: return o.kind;
  }
}

/** Index of the bracket closing the one at `open` (same kind), or -1. */
function closeOf(s: string, open: number): number {
  const want = s[open] === '(' ? ')' : s[open] === '[' ? ']' : s[open] === '{' ? '}' : '>';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === s[open]) depth++;
    else if (s[i] === want && --depth === 0) return i;
  }
  return -1;
}

/** Parse the inside of `[...]` / `(...)` before a packet: IP header fields. */
export function parseIpInfo(inner: string, line: number): IpInfo {
  const ip: IpInfo = { ecn: null, tos: null, ttl: null, flowLabel: null };
  for (const item of inner.split(',').map((x) => x.trim())) {
    const w = item.split(/\s+/);
    if (w.length === 1 && /^(noecn|ect0|ect1|ce|ect01)$/.test(w[0]) && ip.ecn === null) ip.ecn = w[0];
    else if (w.length === 2 && (w[0] === 'tos' || w[0] === 'class') && ip.tos === null) ip.tos = uintOrHex(w[1], 0xff, w[0], line);
    else if (w.length === 2 && (w[0] === 'ttl' || w[0] === 'hlim') && ip.ttl === null) ip.ttl = uint(w[1], 0xff, w[0], line);
    else if (w.length === 2 && w[0] === 'flowlabel' && ip.flowLabel === null) ip.flowLabel = uintOrHex(w[1], 0xfffff, 'flowlabel', line);
    else throw new PktSyntaxError(line, 'unknown IP field "' + item + '" (known: noecn, ect0, ect1, ce, ect01, tos 0xNN, ttl N, flowlabel 0xN, class 0xNN, hlim N)');
  }
  return ip;
}

/** `SEQ:END(LEN)` with an optional `!` (absolute); returns the spec fields and the rest. */
function parseSeqRange(s: string, line: number, what: string): { seq: number; end: number; len: number; absolute: boolean; anySeq: boolean; rest: string } {
  const any = /^\.\.\.\((\d+)\)(.*)$/.exec(s);
  if (any) {
    const len = uint(any[1], 0xffff, 'len', line);
    return { seq: 0, end: len, len, absolute: false, anySeq: true, rest: any[2] };
  }
  const m = /^(\d+):(\d+)\((\d+)\)(!?)(.*)$/.exec(s);
  if (!m) throw new PktSyntaxError(line, 'expected "' + what + '", got "' + s + '"');
  const seq = uint(m[1], TWO32 - 1, 'seq', line);
  const end = uint(m[2], TWO32 - 1, 'end seq', line);
  const len = uint(m[3], 0xffff, 'len', line);
  if ((end - seq + TWO32) % TWO32 !== len) {
    throw new PktSyntaxError(line, 'segment ' + seq + ':' + end + '(' + len + '): END - SEQ must equal LEN');
  }
  return { seq, end, len, absolute: m[4] === '!', anySeq: false, rest: m[5] };
}

/** `/udp(SRC > DST)` at the start of `s`: the ports and the rest, or null. */
function udpSuffix(s: string, line: number): { ports: [number, number]; rest: string } | null {
  const m = /^\/udp\(\s*(\d+)\s*>\s*(\d+)\s*\)(.*)$/.exec(s);
  if (!m) return null;
  return { ports: [uint(m[1], 0xffff, 'udp port', line), uint(m[2], 0xffff, 'udp port', line)], rest: m[3].trim() };
}

/** Parse a segment after its direction character: `S. 0:0(0) ack 1 win 1000 <mss 1000>`. */
export function parseSegment(s: string, line: number): SegmentSpec {
  return parseSegmentTail(s, line).seg;
}

/** A TCP segment and its `/udp(...)` encapsulation suffix, if any. */
function parseSegmentTail(s: string, line: number): { seg: SegmentSpec; udpEncap: [number, number] | null } {
  const m = /^(\S+)\s+(.*)$/.exec(s.trim());
  if (!m) throw new PktSyntaxError(line, 'expected "FLAGS SEQ:END(LEN) ...", got "' + s.trim() + '"');
  // packetdrill's grammar takes the ACK dot as its own token: `F .` is `F.`.
  const dot = /^[A-Z]+$/.test(m[1]) ? /^\.\s+(.*)$/.exec(m[2]) : null;
  if (dot) {
    m[1] += '.';
    m[2] = dot[1];
  }
  const flags = parseFlags(m[1], line);
  let r;
  try {
    r = parseSeqRange(m[2], line, 'FLAGS SEQ:END(LEN) ...');
  } catch (e) {
    if (e instanceof PktSyntaxError && /^line \d+: expected/.test(e.message)) throw new PktSyntaxError(line, 'expected "FLAGS SEQ:END(LEN) ...", got "' + s.trim() + '"');
    throw e;
  }
  const seg: SegmentSpec = { flags, seq: r.seq, end: r.end, len: r.len, ack: null, win: null, urg: null, options: null, anyOptions: false };
  if (r.absolute) seg.absolute = true;
  if (r.anySeq) seg.anySeq = true;
  let udpEncap: [number, number] | null = null;
  let rest = r.rest.trim();
  while (rest.length > 0) {
    if (rest[0] === '<') {
      const close = rest.indexOf('>');
      if (close < 0) throw new PktSyntaxError(line, 'options list "<" has no closing ">"');
      if (seg.options !== null || seg.anyOptions) throw new PktSyntaxError(line, 'two options lists');
      const inner = rest.slice(1, close).trim();
      if (inner === '...') seg.anyOptions = true;
      else seg.options = parseOptions(inner, line);
      rest = rest.slice(close + 1).trim();
      continue;
    }
    const u = udpSuffix(rest, line);
    if (u !== null) {
      if (udpEncap !== null) throw new PktSyntaxError(line, '"/udp(...)" given twice');
      udpEncap = u.ports;
      rest = u.rest;
      continue;
    }
    const f = /^(ack|win|urg)\s+([^\s</]+)(.*)$/.exec(rest);
    if (!f) throw new PktSyntaxError(line, 'unexpected "' + rest + '" in a segment (expected ack N, win N, urg N, <options> or /udp(SRC > DST))');
    const key = f[1] as 'ack' | 'win' | 'urg';
    if (seg[key] !== null) throw new PktSyntaxError(line, '"' + key + '" given twice');
    seg[key] = uint(f[2], key === 'ack' ? TWO32 - 1 : 0xffff, key, line);
    rest = f[3].trim();
  }
  return { seg, udpEncap };
}

/** An empty segment spec (the quoted segment of an ICMP line without one, a UDP line). */
function emptySpec(): SegmentSpec {
  return { flags: 0, seq: 0, end: 0, len: 0, ack: null, win: null, urg: null, options: null, anyOptions: false };
}

/** Parse what follows `<` or `>`: a TCP segment, an ICMP message or a UDP datagram, with their prefixes. */
export function parsePacket(dir: '<' | '>', text: string, line: number): Omit<PacketStatement, 'line' | 'time' | 'text' | 'type'> {
  let rest = text.trim();
  let ip: IpInfo | null = null;
  if (rest[0] === '[' || rest[0] === '(') {
    const close = closeOf(rest, 0);
    if (close < 0) throw new PktSyntaxError(line, 'IP fields "' + rest[0] + '" have no closing bracket');
    ip = parseIpInfo(rest.slice(1, close), line);
    rest = rest.slice(close + 1).trim();
  }
  let pspSpi: number | null = null;
  const e = /^encap\s+psp\s+spi\s+(\S+)\s+(.*)$/.exec(rest);
  if (e) {
    pspSpi = uintOrHex(e[1], TWO32 - 1, 'spi', line);
    rest = e[2].trim();
  } else if (/^encap\b/.test(rest)) {
    throw new PktSyntaxError(line, 'unknown encapsulation "' + rest + '" (known: encap psp spi N)');
  }
  let ports: [number, number] | null = null;
  const pm = /^(\d+)\s*>\s*(\d+)\s+(.*)$/.exec(rest);
  if (pm) {
    ports = [uint(pm[1], 0xffff, 'src port', line), uint(pm[2], 0xffff, 'dst port', line)];
    rest = pm[3];
  }
  const base = { dir, ip, ports, pspSpi, udpEncap: null as [number, number] | null };
  if (/^icmp\b/.test(rest)) return { ...base, proto: 'icmp', ...parseIcmp(rest.slice(4).trim(), line) };
  if (/^udp\b/.test(rest)) {
    const u = /^udp\s*(?:(\d+)\s*>\s*(\d+)\s*)?\(\s*(\d+)\s*\)$/.exec(rest);
    if (!u) throw new PktSyntaxError(line, 'expected "udp [SRC>DST] (LEN)", got "' + rest + '"');
    if (u[1] !== undefined) ports = [uint(u[1], 0xffff, 'src port', line), uint(u[2], 0xffff, 'dst port', line)];
    const seg = emptySpec();
    seg.len = seg.end = uint(u[3], 0xffff, 'udp length', line);
    return { ...base, ports, proto: 'udp', seg, icmp: null };
  }
  const t = parseSegmentTail(rest, line);
  return { ...base, proto: 'tcp', seg: t.seg, udpEncap: t.udpEncap, icmp: null };
}

/** `TYPE [CODE] [mtu N] [id N] [[quoted]]` after `icmp`. */
function parseIcmp(s: string, line: number): { seg: SegmentSpec; icmp: IcmpSpec; udpEncap: [number, number] | null } {
  const open = s.indexOf('[');
  const head = (open < 0 ? s : s.slice(0, open)).trim().split(/\s+/);
  const icmp: IcmpSpec = { type: '', code: null, mtu: null, id: null, quoted: null, quotedLen: 0 };
  if (head.length === 0 || !/^[a-z_][a-z0-9_]*$/.test(head[0])) throw new PktSyntaxError(line, 'expected "icmp TYPE [CODE] ...", got "icmp ' + s + '"');
  icmp.type = head[0];
  let i = 1;
  if (i < head.length && head[i] !== 'mtu' && head[i] !== 'id') {
    if (!/^[a-z_][a-z0-9_]*$/.test(head[i])) throw new PktSyntaxError(line, 'bad ICMP code "' + head[i] + '"');
    icmp.code = head[i++];
  }
  while (i < head.length) {
    if (head[i] === 'mtu' && i + 1 < head.length && icmp.mtu === null) icmp.mtu = uint(head[i + 1], 0xffff, 'mtu', line);
    else if (head[i] === 'id' && i + 1 < head.length && icmp.id === null) icmp.id = uint(head[i + 1], 0xffff, 'id', line);
    else throw new PktSyntaxError(line, 'unexpected "' + head.slice(i).join(' ') + '" in an ICMP line (expected mtu N, id N or [quoted packet])');
    i += 2;
  }
  let seg = emptySpec();
  let udpEncap: [number, number] | null = null;
  if (open >= 0) {
    const close = closeOf(s, open);
    if (close < 0 || s.slice(close + 1).trim() !== '') throw new PktSyntaxError(line, 'the quoted packet "[...]" must end the ICMP line');
    const q = s.slice(open + 1, close).trim();
    const ur = /^(udp|raw)\s*\(\s*(\d+)\s*\)$/.exec(q);
    if (ur) {
      icmp.quoted = ur[1] as 'udp' | 'raw';
      icmp.quotedLen = uint(ur[2], 0xffff, ur[1] + ' length', line);
    } else {
      const r = parseSeqRange(q, line, '[SEQ:END(LEN)], [udp(N)] or [raw(N)]');
      seg = { ...emptySpec(), seq: r.seq, end: r.end, len: r.len };
      if (r.absolute) seg.absolute = true;
      icmp.quoted = 'tcp';
      const rest = r.rest.trim();
      if (rest !== '') {
        const u = udpSuffix(rest, line);
        if (u === null || u.rest !== '') throw new PktSyntaxError(line, 'unexpected "' + rest + '" after the quoted segment');
        udpEncap = u.ports;
      }
    }
  }
  return { seg, icmp, udpEncap };
}

/** Split call arguments at top-level commas (brackets, braces, parentheses and quotes nest). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of s) {
    if (quote !== '') {
      cur += ch;
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** Index of the `)` that closes the `(` at `open`, or -1. */
function matchParen(s: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (quote !== '') {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return ch === ')' ? i : -1;
    }
  }
  return -1;
}

/** Parse `name(args) = RET [ERRNO] [(text)]`. */
export function parseCall(s: string, line: number): { name: string; args: string[]; ret: number; retText: string; errno: string | null } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(s);
  if (!m) throw new PktSyntaxError(line, 'expected a socket call "name(args) = result", got "' + s + '"');
  const open = m[0].length - 1;
  const close = matchParen(s, open);
  if (close < 0) throw new PktSyntaxError(line, 'unbalanced brackets in the call "' + s + '"');
  const args = splitArgs(s.slice(open + 1, close));
  const after = s.slice(close + 1);
  const eq = /^\s*=\s*/.exec(after);
  const bad = () => new PktSyntaxError(line, 'a call needs its expected result: "= N" or "= -1 ERRNO (text)", got "' + after.trim() + '"');
  if (!eq) throw bad();
  let rest = after.slice(eq[0].length);
  let retText: string;
  let ret: number;
  const num = /^(-?\d+|0x[0-9a-fA-F]+)(?=\s|\(|$)/.exec(rest);
  if (num) {
    retText = num[1];
    ret = num[1].startsWith('0x') ? parseInt(num[1].slice(2), 16) : Number(num[1]);
    rest = rest.slice(num[0].length);
  } else if (rest[0] === '[' || rest[0] === '{') {
    const c = closeOf(rest, 0);
    if (c < 0) throw bad();
    retText = rest.slice(0, c + 1);
    ret = NaN;
    rest = rest.slice(c + 1);
  } else {
    throw bad();
  }
  const r = /^(?:\s+([A-Z][A-Z0-9_]*))?(?:\s*\((.*)\))?\s*$/.exec(rest);
  if (!r) throw bad();
  return { name: m[1], args, ret, retText, errno: r[1] === undefined ? null : r[1] };
}

/** Seconds text (`0.100`, `.1`, `1`) to integer milliseconds. */
function seconds(s: string, line: number): number {
  if (!/^(\d+\.?\d*|\.\d+)$/.test(s)) throw new PktSyntaxError(line, 'bad time "' + s + '"');
  return Math.round(Number(s) * 1000);
}

/** Parse the timestamp at the start of a statement; returns it and the rest of the text. */
export function parseTime(s: string, line: number): { time: TimeSpec; rest: string } {
  if (s[0] === '*') return { time: { kind: 'any', ms: 0, endMs: null, range: null }, rest: s.slice(1).trim() };
  const NUM = '(\\d+\\.?\\d*|\\.\\d+)';
  const m = new RegExp('^(\\+?)\\s*' + NUM + '(?:\\s*(~|\\.\\.\\.)\\s*(\\+?)' + NUM + ')?(?=\\s|$)').exec(s);
  if (!m) throw new PktSyntaxError(line, 'a statement starts with a time: 0.100, +0.1, +.1 or *; got "' + s + '"');
  const time: TimeSpec = {
    kind: m[1] === '+' ? 'rel' : 'abs', ms: seconds(m[2], line), endMs: null, range: null,
  };
  if (m[3] !== undefined) {
    time.range = m[3] as '~' | '...';
    // `+0.1~+0.2`: both ends relative to the previous statement. packetdrill writes a
    // blocking call `+0.1...0.2`: its end counts from the same base without its own `+`.
    time.endMs = seconds(m[5], line);
    const sameKind = (m[4] === '+') === (m[1] === '+') || (time.range === '...' && m[1] === '+');
    if (!sameKind) throw new PktSyntaxError(line, 'both ends of a time range must be absolute, or both relative');
    if (time.endMs < time.ms) throw new PktSyntaxError(line, 'time range ends before it starts');
  }
  return { time, rest: s.slice(m[0].length).trim() };
}

/** Parse the words of a `// slipstack:` directive into `h`. */
function parseDirective(text: string, h: Header, line: number): void {
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (word === 'strict') { h.strict = true; continue; }
    if (word === 'portable') { h.strict = false; continue; }
    const eq = word.indexOf('=');
    if (eq <= 0) throw new PktSyntaxError(line, 'slipstack directive "' + word + '": use key=value, strict or portable');
    const key = word.slice(0, eq);
    const raw = word.slice(eq + 1);
    let value: number | string | boolean = raw;
    if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    if (key === 'remote_isn' || key === 'remote_port' || key === 'local_port' || key === 'tolerance') {
      const max = key === 'remote_isn' ? TWO32 - 1 : key === 'tolerance' ? 3600000 : 65535;
      const n = uint(raw, max, key, line);
      if (key === 'remote_isn') h.remoteIsn = n;
      else if (key === 'remote_port') h.remotePort = n;
      else if (key === 'local_port') h.localPort = n;
      else h.tolerance = n;
    } else {
      h.config[key] = value;
    }
  }
}

/** Are the brackets of `s` (outside quotes) still open? */
function bracketsOpen(s: string): boolean {
  let depth = 0;
  let quote = '';
  for (const ch of s) {
    if (quote !== '') { if (ch === quote) quote = ''; continue; }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
  }
  return depth > 0;
}

/** One source line with its comments removed, plus the `//` comments it had. */
interface CleanLine { code: string; comments: string[] }

/**
 * Remove `//` and `/* *\/` comments (not inside quotes or backticks, which may span lines),
 * tracking block comments across lines.
 */
function stripComments(lines: string[]): CleanLine[] {
  const out: CleanLine[] = [];
  let inBlock = false;
  let quote = '';
  for (const src of lines) {
    let code = '';
    const comments: string[] = [];
    if (quote === '"') quote = ''; // a double-quoted string ends with its line
    let i = 0;
    while (i < src.length) {
      if (inBlock) {
        const e = src.indexOf('*/', i);
        if (e < 0) { i = src.length; break; }
        inBlock = false;
        i = e + 2;
        code += ' ';
        continue;
      }
      const ch = src[i];
      if (quote !== '') {
        code += ch;
        if (ch === quote) quote = '';
        i++;
        continue;
      }
      if (ch === '"' || ch === '`') { quote = ch; code += ch; i++; continue; }
      if (ch === '/' && src[i + 1] === '/') { comments.push(src.slice(i + 2)); break; }
      if (ch === '/' && src[i + 1] === '*') { inBlock = true; i += 2; continue; }
      code += ch;
      i++;
    }
    out.push({ code: code.trim(), comments });
  }
  return out;
}

/**
 * `#ifdef` / `#ifndef` / `#else` / `#endif`: blank the lines that are out (and the directives),
 * keeping line numbers. Lines inside `%{ }%` blocks are Python and left alone.
 */
function preprocess(lines: string[], defined: Set<string>): string[] {
  const out: string[] = [];
  // One entry per open block: is this branch on, and was the enclosing region on?
  const stack: { on: boolean; outer: boolean; sawElse: boolean; line: number }[] = [];
  let python = false;
  for (let k = 0; k < lines.length; k++) {
    const src = lines[k];
    const lineNo = k + 1;
    const on = stack.length === 0 || stack[stack.length - 1].on;
    if (!python) {
      const d = /^\s*#\s*(ifdef|ifndef|else|endif)\b\s*(.*)$/.exec(src);
      if (d) {
        const arg = d[2].replace(/\/\/.*$/, '').trim();
        if (d[1] === 'ifdef' || d[1] === 'ifndef') {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) throw new PktSyntaxError(lineNo, '#' + d[1] + ' needs one name, got "' + arg + '"');
          const has = defined.has(arg);
          stack.push({ on: on && (d[1] === 'ifdef' ? has : !has), outer: on, sawElse: false, line: lineNo });
        } else if (d[1] === 'else') {
          const top = stack[stack.length - 1];
          if (top === undefined || top.sawElse) throw new PktSyntaxError(lineNo, '#else without its #ifdef');
          top.sawElse = true;
          top.on = top.outer && !top.on;
        } else {
          if (stack.length === 0) throw new PktSyntaxError(lineNo, '#endif without its #ifdef');
          stack.pop();
        }
        out.push('');
        continue;
      }
      if (/^\s*#\s*(if|elif|define|undef|include)\b/.test(src)) {
        throw new PktSyntaxError(lineNo, 'preprocessor directive "' + src.trim() + '" is not supported (only #ifdef, #ifndef, #else, #endif)');
      }
    }
    // Track Python blocks (only where the line is kept: a dropped block does not count).
    if (on) {
      const o = src.lastIndexOf('%{');
      const c = src.lastIndexOf('}%');
      if (o >= 0 && o > c) python = true;
      else if (c >= 0 && c > o) python = false;
    }
    out.push(on ? src : '');
  }
  if (stack.length > 0) throw new PktSyntaxError(stack[stack.length - 1].line, '#ifdef without its #endif');
  return out;
}

/** Replace whole-word symbols by their values (not inside quotes). */
function substitute(s: string, symbols: Map<string, string>): string {
  if (symbols.size === 0) return s;
  return s.replace(/"[^"]*"|[A-Za-z_][A-Za-z0-9_]*/g, (w) => {
    if (w[0] === '"') return w;
    const v = symbols.get(w);
    return v === undefined ? w : v;
  });
}

/** Parse a whole script. Throws PktSyntaxError with the line number on the first error. */
export function parseScript(text: string, opts?: ParseOptions): Script {
  const header: Header = { config: {}, remoteIsn: null, remotePort: null, localPort: null, tolerance: null, strict: null };
  const statements: Statement[] = [];
  const options: ScriptOption[] = [];
  const defined = new Set<string>();
  const symbols = new Map<string, string>();
  for (const d of (opts && opts.defines) || []) {
    const eq = d.indexOf('=');
    const name = eq < 0 ? d : d.slice(0, eq);
    defined.add(name);
    if (eq >= 0) symbols.set(name, d.slice(eq + 1));
  }
  const lines = stripComments(preprocess(text.split(/\r?\n/), defined));
  let i = 0;
  const zero: TimeSpec = { kind: 'rel', ms: 0, endMs: null, range: null };
  /** A backtick command from `rest` on, continued over lines until its closing backtick. */
  const command = (rest: string, lineNo: number): string => {
    let body = rest;
    while (body.indexOf('`', 1) < 0 && i < lines.length) body += '\n' + lines[i++].code;
    const close = body.indexOf('`', 1);
    if (close < 0 || body.slice(close + 1).trim() !== '') throw new PktSyntaxError(lineNo, 'shell command must end with a backtick');
    return body;
  };
  while (i < lines.length) {
    const lineNo = i + 1;
    for (const c of lines[i].comments) {
      const d = /^\s*slipstack:(.*)$/.exec(c);
      if (d) parseDirective(d[1], header, lineNo);
    }
    let code = lines[i].code;
    i++;
    if (code === '') continue;
    if (code.startsWith('--')) {
      const o = /^--([A-Za-z0-9_]+)(?:\s*=\s*(.*))?$/.exec(code);
      if (!o) throw new PktSyntaxError(lineNo, 'bad option line "' + code + '": use --name=value or --name');
      let value = o[2] === undefined ? null : o[2].trim();
      if (value !== null && /^".*"$/.test(value)) value = value.slice(1, -1);
      options.push({ line: lineNo, name: o[1], value });
      continue;
    }
    if (code[0] === '`') {
      // packetdrill's init and cleanup commands stand without a time.
      statements.push({ type: 'shell', line: lineNo, time: zero, text: command(code, lineNo) });
      continue;
    }
    const { time, rest } = parseTime(code, lineNo);
    if (rest.startsWith('%{')) {
      // A Python block runs to the line holding `}%`.
      let body = rest;
      while (body.indexOf('}%') < 0 && i < lines.length) body += '\n' + lines[i++].code;
      if (body.indexOf('}%') < 0) throw new PktSyntaxError(lineNo, '%{ block has no closing }%');
      statements.push({ type: 'python', line: lineNo, time, text: body });
      continue;
    }
    if (rest === '') throw new PktSyntaxError(lineNo, 'a time with nothing after it');
    if (rest[0] === '`') {
      statements.push({ type: 'shell', line: lineNo, time, text: command(rest, lineNo) });
      continue;
    }
    if (rest[0] === '<' || rest[0] === '>') {
      const dir = rest[0] as '<' | '>';
      const p = parsePacket(dir, substitute(rest.slice(1), symbols), lineNo);
      if (dir === '<' && p.seg.anySeq) throw new PktSyntaxError(lineNo, '"...(LEN)" (any sequence number) only makes sense on an outbound (>) line');
      if (dir === '<' && p.seg.anyOptions) throw new PktSyntaxError(lineNo, '"<...>" (any options) only makes sense on an outbound (>) line');
      if (time.range === '...') throw new PktSyntaxError(lineNo, '"A...B" is for blocking calls; a packet takes "A~B"');
      statements.push({ type: 'packet', line: lineNo, time, text: rest, ...p });
      continue;
    }
    code = rest;
    // A call may continue over several lines while its brackets are open.
    while (bracketsOpen(code) && i < lines.length) code += ' ' + lines[i++].code;
    code = substitute(code, symbols);
    const c = parseCall(code, lineNo);
    statements.push({ type: 'call', line: lineNo, time, text: code, name: c.name, args: c.args, ret: c.ret, retText: c.retText, errno: c.errno });
  }
  return { header, options, statements };
}
