/**
 * Parser for packetdrill-format TCP scripts (github.com/google/packetdrill), the notation TCP
 * engineers read: one statement per line, a timestamp, then an inbound segment (`<`), an
 * expected outbound segment (`>`), a socket call with its expected result, or a backtick
 * shell command.
 *
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
 * - `parseScript(text)` returns the header directives and the statements in file order, each
 *   with its 1-based line number; it throws `PktSyntaxError` (which carries the line number)
 *   for anything it does not understand, so a typo never silently becomes a no-op.
 * - Comments are `//` to end of line and `/* ... *\/` (may span lines). A `//` comment whose
 *   text begins with `slipstack:` is a header directive (real packetdrill ignores it):
 *   `key=value` pairs and the flags `strict` / `portable`. The runner's own keys are
 *   `remote_isn`, `remote_port`, `local_port` and `tolerance`; every other key is a stack
 *   configuration override, kept with its value typed (number, boolean or string).
 * - Timestamps: `0.100` absolute seconds, `+0.1` / `+.1` relative, `*` any time; a range
 *   `A~B` (packetdrill's tolerance range) or `A...B` (a blocking call that returns at B) keeps
 *   both ends. Times are converted to integer milliseconds.
 * - Segments: `FLAGS SEQ:END(LEN) [ack N] [win N] [urg N] [<options>]`; FLAGS is made of
 *   `S F R P . U E W` (`.` is ACK). Sequence numbers stay RELATIVE here (the runner maps
 *   them); values are 0..2^32-1 and END - SEQ must equal LEN mod 2^32. Options: `mss N`,
 *   `nop`, `eol`, `sackOK`, `wscale N`, `TS val N ecr N`, `sack A:B ...`; `<...>` means
 *   "any options" (outbound lines only).
 * - Calls: `name(arg, arg, ...) = RET [ERRNO [(text)]]`; arguments are kept as text (split at
 *   top-level commas), the runner interprets them. A call whose brackets are still open at
 *   the end of a line continues on the next lines.
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
  seg: SegmentSpec;
}

/** A socket call and the result the script expects. */
export interface CallStatement extends StatementBase {
  type: 'call';
  /** The call's name: socket, bind, listen, accept, connect, read, write, ... */
  name: string;
  /** Arguments as text, split at top-level commas and trimmed. */
  args: string[];
  /** Expected return value. */
  ret: number;
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
  statements: Statement[];
}

/** Characters of the flags field and their control bits (packetdrill notation). */
const FLAG_BITS: Record<string, number> = {
  S: tcp.SYN, F: tcp.FIN, R: tcp.RST, P: tcp.PSH, '.': tcp.ACK, U: tcp.URG, E: tcp.ECE, W: tcp.CWR,
};

/** 2^32: sequence numbers are written as unsigned 32-bit values. */
const TWO32 = 4294967296;

/** Parse the control-bit field (`S.`, `F.`, `R`, `P.`, ...). */
export function parseFlags(s: string, line: number): number {
  let f = 0;
  for (const ch of s) {
    const bit = FLAG_BITS[ch];
    if (bit === undefined) throw new PktSyntaxError(line, 'bad TCP flags "' + s + '": use S F R P . U E W (. is ACK)');
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
    } else {
      throw new PktSyntaxError(line, 'unknown or malformed TCP option "' + item + '" (known: mss N, nop, eol, sackOK, wscale N, TS val N ecr N, sack A:B)');
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
    case 'unknown': return 'kind' + o.code + ' len ' + o.len;
    default: return o.kind;
  }
}

/** Parse a segment after its direction character: `S. 0:0(0) ack 1 win 1000 <mss 1000>`. */
export function parseSegment(s: string, line: number): SegmentSpec {
  const m = /^(\S+)\s+(\d+):(\d+)\((\d+)\)(.*)$/.exec(s.trim());
  if (!m) throw new PktSyntaxError(line, 'expected "FLAGS SEQ:END(LEN) ...", got "' + s.trim() + '"');
  const flags = parseFlags(m[1], line);
  const seq = uint(m[2], TWO32 - 1, 'seq', line);
  const end = uint(m[3], TWO32 - 1, 'end seq', line);
  const len = uint(m[4], 0xffff, 'len', line);
  if ((end - seq + TWO32) % TWO32 !== len) {
    throw new PktSyntaxError(line, 'segment ' + seq + ':' + end + '(' + len + '): END - SEQ must equal LEN');
  }
  const seg: SegmentSpec = { flags, seq, end, len, ack: null, win: null, urg: null, options: null, anyOptions: false };
  let rest = m[5].trim();
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
    const f = /^(ack|win|urg)\s+(\S+)(.*)$/.exec(rest);
    if (!f) throw new PktSyntaxError(line, 'unexpected "' + rest + '" in a segment (expected ack N, win N, urg N or <options>)');
    const key = f[1] as 'ack' | 'win' | 'urg';
    if (seg[key] !== null) throw new PktSyntaxError(line, '"' + key + '" given twice');
    seg[key] = uint(f[2], key === 'ack' ? TWO32 - 1 : 0xffff, key, line);
    rest = f[3].trim();
  }
  return seg;
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

/** Parse `name(args) = RET [ERRNO [(text)]]`. */
export function parseCall(s: string, line: number): { name: string; args: string[]; ret: number; errno: string | null } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(s);
  if (!m) throw new PktSyntaxError(line, 'expected a socket call "name(args) = result", got "' + s + '"');
  const open = m[0].length - 1;
  const close = matchParen(s, open);
  if (close < 0) throw new PktSyntaxError(line, 'unbalanced brackets in the call "' + s + '"');
  const args = splitArgs(s.slice(open + 1, close));
  const r = /^\s*=\s*(-?\d+)(?:\s+([A-Z][A-Z0-9_]*))?(?:\s*\(([^)]*)\))?\s*$/.exec(s.slice(close + 1));
  if (!r) throw new PktSyntaxError(line, 'a call needs its expected result: "= N" or "= -1 ERRNO (text)", got "' + s.slice(close + 1).trim() + '"');
  return { name: m[1], args, ret: Number(r[1]), errno: r[2] === undefined ? null : r[2] };
}

/** Seconds text (`0.100`, `.1`, `1`) to integer milliseconds. */
function seconds(s: string, line: number): number {
  if (!/^(\d+\.?\d*|\.\d+)$/.test(s)) throw new PktSyntaxError(line, 'bad time "' + s + '"');
  return Math.round(Number(s) * 1000);
}

/** Parse the timestamp at the start of a statement; returns it and the rest of the text. */
export function parseTime(s: string, line: number): { time: TimeSpec; rest: string } {
  if (s[0] === '*') return { time: { kind: 'any', ms: 0, endMs: null, range: null }, rest: s.slice(1).trim() };
  const m = /^(\+?)(\d+\.?\d*|\.\d+)(?:(~|\.\.\.)(\+?)(\d+\.?\d*|\.\d+))?(?=\s|$)/.exec(s);
  if (!m) throw new PktSyntaxError(line, 'a statement starts with a time: 0.100, +0.1, +.1 or *; got "' + s + '"');
  const time: TimeSpec = {
    kind: m[1] === '+' ? 'rel' : 'abs', ms: seconds(m[2], line), endMs: null, range: null,
  };
  if (m[3] !== undefined) {
    time.range = m[3] as '~' | '...';
    // `+0.1~+0.2`: both ends relative to the previous statement.
    time.endMs = seconds(m[5], line);
    if ((m[4] === '+') !== (m[1] === '+')) throw new PktSyntaxError(line, 'both ends of a time range must be absolute, or both relative');
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

/** Remove `//` and `/* *\/` comments (not inside quotes or backticks), tracking block comments across lines. */
function stripComments(lines: string[]): CleanLine[] {
  const out: CleanLine[] = [];
  let inBlock = false;
  for (const src of lines) {
    let code = '';
    const comments: string[] = [];
    let quote = '';
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

/** Parse a whole script. Throws PktSyntaxError with the line number on the first error. */
export function parseScript(text: string): Script {
  const header: Header = { config: {}, remoteIsn: null, remotePort: null, localPort: null, tolerance: null, strict: null };
  const statements: Statement[] = [];
  const lines = stripComments(text.split(/\r?\n/));
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    for (const c of lines[i].comments) {
      const d = /^\s*slipstack:(.*)$/.exec(c);
      if (d) parseDirective(d[1], header, lineNo);
    }
    let code = lines[i].code;
    i++;
    if (code === '') continue;
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
      if (rest.length < 2 || rest[rest.length - 1] !== '`') throw new PktSyntaxError(lineNo, 'shell command must end with a backtick');
      statements.push({ type: 'shell', line: lineNo, time, text: rest });
      continue;
    }
    if (rest[0] === '<' || rest[0] === '>') {
      const dir = rest[0] as '<' | '>';
      const seg = parseSegment(rest.slice(1), lineNo);
      if (dir === '<' && seg.anyOptions) throw new PktSyntaxError(lineNo, '"<...>" (any options) only makes sense on an outbound (>) line');
      statements.push({ type: 'packet', line: lineNo, time, dir, seg, text: rest });
      continue;
    }
    code = rest;
    // A call may continue over several lines while its brackets are open.
    while (bracketsOpen(code) && i < lines.length) code += ' ' + lines[i++].code;
    const c = parseCall(code, lineNo);
    statements.push({ type: 'call', line: lineNo, time, text: code, name: c.name, args: c.args, ret: c.ret, errno: c.errno });
  }
  return { header, statements };
}
