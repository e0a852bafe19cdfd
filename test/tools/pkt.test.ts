import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as tcp from '../../src/wire/tcp.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as slip from '../../src/wire/slip.js';
import type { Hal } from '../../src/hal.js';
import { parseScript, parseOptions, parseSegment, parseTime, splitArgs, PktSyntaxError } from '../../tools/pkt/parse.js';
import type { CallStatement, PacketStatement } from '../../tools/pkt/parse.js';
import {
  runScript, encodeOptions, decodeOptions, decodeSegment, stackConfig, patternByte, RUNNER_CONFIG, DEFAULT_REMOTE_ISN,
} from '../../tools/pkt/run.js';
import type { StackFactory, TcpStack } from '../../tools/pkt/run.js';
import { pktMain } from '../../tools/pkt/cli.js';
import { fakeStack } from './pkt-fake.js';
import type { FakeKnobs } from './pkt-fake.js';

/** The line a PktSyntaxError reports for `text`, or 0 when it parses. */
function syntaxErrorLine(text: string): number {
  try {
    parseScript(text);
    return 0;
  } catch (e) {
    expect(e).toBeInstanceOf(PktSyntaxError);
    return (e as PktSyntaxError).line;
  }
}

function packet(text: string): PacketStatement {
  const s = parseScript(text).statements[0];
  expect(s.type).toBe('packet');
  return s as PacketStatement;
}

function call(text: string): CallStatement {
  const s = parseScript(text).statements[0];
  expect(s.type).toBe('call');
  return s as CallStatement;
}

describe('pkt parser', () => {
  it('skips // and /* */ comments (inline and over several lines) and blank lines, keeping line numbers', () => {
    const s = parseScript([
      '// a comment',
      '',
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // trailing',
      '/* a block',
      '   over lines */',
      '+0 /* inline */ bind(3, ..., ...) = 0',
      '   ',
      '+0 listen(3, 1) = 0 /* end */',
    ].join('\n'));
    expect(s.statements.map((x) => x.line)).toEqual([3, 6, 8]);
    expect(s.statements.map((x) => (x as CallStatement).name)).toEqual(['socket', 'bind', 'listen']);
  });

  it('reads absolute, relative, +.N, * and ranged timestamps in integer ms', () => {
    expect(parseTime('0.100 x', 1).time).toEqual({ kind: 'abs', ms: 100, endMs: null, range: null });
    expect(parseTime('1 x', 1).time).toMatchObject({ kind: 'abs', ms: 1000 });
    expect(parseTime('+0.1 x', 1).time).toMatchObject({ kind: 'rel', ms: 100 });
    expect(parseTime('+.1 x', 1).time).toMatchObject({ kind: 'rel', ms: 100 });
    expect(parseTime('+0 x', 1).time).toMatchObject({ kind: 'rel', ms: 0 });
    expect(parseTime('* x', 1).time).toMatchObject({ kind: 'any' });
    expect(parseTime('0.1~0.25 x', 1).time).toEqual({ kind: 'abs', ms: 100, endMs: 250, range: '~' });
    expect(parseTime('+0.1~+0.2 x', 1).time).toEqual({ kind: 'rel', ms: 100, endMs: 200, range: '~' });
    expect(parseTime('0.100...0.200 x', 1).time).toEqual({ kind: 'abs', ms: 100, endMs: 200, range: '...' });
    expect(parseTime('0.0005 x', 1).time.ms).toBe(1); // rounded to whole ms
    expect(syntaxErrorLine('\n+0.1~0.2 close(3) = 0')).toBe(2); // mixed range ends
    expect(syntaxErrorLine('\n\n0.3~0.2 close(3) = 0')).toBe(3); // backwards range
    expect(syntaxErrorLine('soon close(3) = 0')).toBe(1);
    expect(syntaxErrorLine('0.1')).toBe(1); // a time alone
  });

  it('reads every flag letter and combination', () => {
    const f = (x: string) => packet('0 < ' + x + ' 0:0(0)').seg.flags;
    expect(f('S')).toBe(tcp.SYN);
    expect(f('S.')).toBe(tcp.SYN | tcp.ACK);
    expect(f('.')).toBe(tcp.ACK);
    expect(f('F.')).toBe(tcp.FIN | tcp.ACK);
    expect(f('R')).toBe(tcp.RST);
    expect(f('R.')).toBe(tcp.RST | tcp.ACK);
    expect(f('P.')).toBe(tcp.PSH | tcp.ACK);
    expect(f('FP.')).toBe(tcp.FIN | tcp.PSH | tcp.ACK);
    expect(f('SEW')).toBe(tcp.SYN | tcp.ECE | tcp.CWR);
    expect(f('U.')).toBe(tcp.URG | tcp.ACK);
    expect(syntaxErrorLine('\n0 < X 0:0(0)')).toBe(2);
    expect(syntaxErrorLine('0 < SS 0:0(0)')).toBe(1);
  });

  it('reads SEQ:END(LEN), ack, win, urg in any order, and checks END - SEQ = LEN mod 2^32', () => {
    const s = parseSegment(' P. 1:1001(1000) win 257 ack 1 urg 3', 1);
    expect(s).toEqual({ flags: tcp.PSH | tcp.ACK, seq: 1, end: 1001, len: 1000, ack: 1, win: 257, urg: 3, options: null, anyOptions: false });
    expect(parseSegment('. 4294967290:10(16)', 1)).toMatchObject({ seq: 4294967290, end: 10, len: 16 });
    expect(syntaxErrorLine('0 < . 1:10(5)')).toBe(1);
    expect(syntaxErrorLine('0 < . 1:1(0) ack 1 ack 2')).toBe(1);
    expect(syntaxErrorLine('0 < . 1:1(0) wnd 5')).toBe(1);
    expect(syntaxErrorLine('0 < . 1:1(0) win 70000')).toBe(1);
    expect(syntaxErrorLine('0 < . 4294967296:4294967296(0)')).toBe(1);
    expect(syntaxErrorLine('0 < . 1:1')).toBe(1);
  });

  it('reads every option kind, <...> on outbound lines only, and rejects unknown ones', () => {
    const s = packet('0 < S 0:0(0) win 1000 <mss 1000,nop,nop,sackOK,eol,wscale 7,TS val 100 ecr 0>').seg;
    expect(s.options).toEqual([
      { kind: 'mss', value: 1000 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }, { kind: 'eol' },
      { kind: 'wscale', value: 7 }, { kind: 'TS', val: 100, ecr: 0 },
    ]);
    expect(parseOptions('sack 1:2 3:4', 1)).toEqual([{ kind: 'sack', blocks: [[1, 2], [3, 4]] }]);
    expect(parseOptions('', 1)).toEqual([]);
    const any = packet('0 > S. 0:0(0) ack 1 <...>').seg;
    expect(any.anyOptions).toBe(true);
    expect(any.options).toBeNull();
    expect(packet('0 > . 1:1(0)').seg.options).toBeNull();
    expect(syntaxErrorLine('0 < S 0:0(0) <...>')).toBe(1);
    expect(syntaxErrorLine('0 < S 0:0(0) <md5 x>')).toBe(1);
    expect(syntaxErrorLine('0 < S 0:0(0) <mss>')).toBe(1);
    expect(syntaxErrorLine('0 < S 0:0(0) <mss 70000>')).toBe(1);
    expect(syntaxErrorLine('0 < S 0:0(0) <mss 1000')).toBe(1);
  });

  it('reads socket calls with their expected results, errno names and texts', () => {
    expect(call('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3')).toMatchObject({ name: 'socket', args: ['...', 'SOCK_STREAM', 'IPPROTO_TCP'], ret: 3, errno: null });
    expect(call('0 bind(3, ..., ...) = 0')).toMatchObject({ name: 'bind', args: ['3', '...', '...'], ret: 0 });
    expect(call('0 listen(3, 1) = 0')).toMatchObject({ name: 'listen', args: ['3', '1'], ret: 0 });
    expect(call('0 accept(3, ..., ...) = 4')).toMatchObject({ name: 'accept', ret: 4 });
    expect(call('0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)')).toMatchObject({ name: 'connect', ret: -1, errno: 'EINPROGRESS' });
    expect(call('0 write(4, ..., 1000) = 1000')).toMatchObject({ name: 'write', args: ['4', '...', '1000'], ret: 1000 });
    expect(call('0 read(4, ..., 1000) = 0')).toMatchObject({ name: 'read', ret: 0, errno: null });
    expect(call('0 read(4, ..., 1000) = -1 EAGAIN (Resource temporarily unavailable)')).toMatchObject({ ret: -1, errno: 'EAGAIN' });
    expect(call('0 read(4, ..., 1000) = -1 ECONNRESET')).toMatchObject({ ret: -1, errno: 'ECONNRESET' });
    expect(call('0 shutdown(4, SHUT_WR) = 0')).toMatchObject({ name: 'shutdown', args: ['4', 'SHUT_WR'] });
    expect(call('0 close(4) = 0')).toMatchObject({ name: 'close', args: ['4'] });
    expect(call('0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0')).toMatchObject({
      name: 'getsockopt', args: ['3', 'SOL_SOCKET', 'SO_ERROR', '[ECONNREFUSED]', '[4]'], ret: 0,
    });
    expect(call('0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0').args[3]).toBe('{onoff=1, linger=0}');
    expect(call('0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0')).toMatchObject({ name: 'fcntl', args: ['3', 'F_SETFL', 'O_RDWR|O_NONBLOCK'] });
    expect(splitArgs('a, "x,y", [1, 2], f(b, c)')).toEqual(['a', '"x,y"', '[1, 2]', 'f(b, c)']);
    expect(syntaxErrorLine('0 close(4)')).toBe(1);
    expect(syntaxErrorLine('\n\n0 close(4 = 0')).toBe(3);
    expect(syntaxErrorLine('0 close(4) = zero')).toBe(1);
  });

  it('continues a call over lines while its brackets are open', () => {
    const s = parseScript('0 setsockopt(4, SOL_SOCKET, SO_LINGER,\n   {onoff=1,\n    linger=0}, 8) = 0\n+0 close(4) = 0');
    expect(s.statements).toHaveLength(2);
    expect((s.statements[0] as CallStatement).args[3]).toBe('{onoff=1, linger=0}');
    expect(s.statements[1].line).toBe(4);
  });

  it('keeps backtick shell commands and %{ }% blocks as statements to ignore', () => {
    const s = parseScript('0 `sysctl -q net.ipv4.tcp_timestamps=0`\n+0 %{\nprint(1)\n}%\n+0 close(3) = 0');
    expect(s.statements.map((x) => [x.type, x.line])).toEqual([['shell', 1], ['python', 2], ['call', 5]]);
    expect(syntaxErrorLine('0 `sysctl')).toBe(1);
    expect(syntaxErrorLine('0 %{ never closed')).toBe(1);
  });

  it('reads // slipstack: header directives: typed config overrides, remote ISN, ports, tolerance, strict/portable', () => {
    const h = parseScript('// slipstack: remote_isn=4294967000 tcpMsl=1000 mtu=296 tcpSynCookies=false name=x strict\n' +
      '// slipstack: remote_port=1234 local_port=80 tolerance=5\n0 close(3) = 0').header;
    expect(h).toEqual({
      config: { tcpMsl: 1000, mtu: 296, tcpSynCookies: false, name: 'x' }, remoteIsn: 4294967000, remotePort: 1234,
      localPort: 80, tolerance: 5, strict: true,
    });
    expect(parseScript('// slipstack: portable').header.strict).toBe(false);
    expect(parseScript('// not a directive: strict').header.strict).toBeNull();
    expect(syntaxErrorLine('\n// slipstack: stirct')).toBe(2);
    expect(syntaxErrorLine('// slipstack: remote_isn=4294967296')).toBe(1);
  });
});

describe('pkt option and segment codecs', () => {
  it('encodes inbound options as real TCP options, padded with EOL to a 32-bit boundary', () => {
    const o = parseOptions('mss 1000,nop,nop,sackOK,eol,wscale 7,TS val 100 ecr 0', 1);
    expect(Array.from(encodeOptions(o))).toEqual([
      2, 4, 0x03, 0xe8, 1, 1, 4, 2, 0, 3, 3, 7, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(encodeOptions(parseOptions('sack 1:4294967295', 1)))).toEqual([5, 10, 0, 0, 0, 1, 255, 255, 255, 255, 0, 0]);
    expect(Array.from(encodeOptions(parseOptions('wscale 2', 1)))).toEqual([3, 3, 2, 0]);
    expect(() => encodeOptions(parseOptions('sack 1:2 3:4 5:6 7:8,TS val 1 ecr 2', 1))).toThrow(/40/);
  });

  it('decodes option bytes back, and says why malformed ones are malformed', () => {
    const o = parseOptions('mss 1000,nop,wscale 7,sackOK,TS val 4294967295 ecr 1,sack 5:6', 1);
    const b = encodeOptions(o);
    expect(decodeOptions(b, 0, b.length)).toEqual([...o, { kind: 'eol' }]);
    expect(decodeOptions(Uint8Array.of(30, 3, 0), 0, 3)).toEqual([{ kind: 'unknown', code: 30, len: 3 }]);
    expect(decodeOptions(Uint8Array.of(2, 0, 0, 0), 0, 4)).toMatch(/bad length 0/);
    expect(decodeOptions(Uint8Array.of(1, 2), 0, 2)).toMatch(/no length/);
    expect(decodeOptions(Uint8Array.of(2, 8, 0, 0), 0, 4)).toMatch(/bad length 8/);
  });

  it('generates distinct, offset-dependent data patterns for the two directions', () => {
    const a = Array.from({ length: 600 }, (_, j) => patternByte(0, j));
    const b = Array.from({ length: 600 }, (_, j) => patternByte(1, j));
    expect(a).not.toEqual(b);
    expect(a.slice(0, 256)).not.toEqual(a.slice(256, 512)); // an off-by-256 read shows
  });
});

/** A factory around the fake that records the absolute segments crossing the HAL both ways. */
function recording(knobs: FakeKnobs = {}) {
  const out: tcp.TcpRepr[] = [];
  const inb: tcp.TcpRepr[] = [];
  let config: Record<string, unknown> = {};
  const parse = (into: tcp.TcpRepr[]) => new slip.SlipDecoder(1500, (buf, len) => {
    const p = buf.slice(0, len);
    const ip = new ipv4.Ipv4Repr();
    ipv4.parseInto(ip, p, 0, len);
    const r = new tcp.TcpRepr();
    tcp.parseInto(r, p, 20, ip.payloadLen, ip.src, ip.dst);
    into.push(r);
  });
  const factory: StackFactory = (c, hal) => {
    config = c;
    const o = parse(out);
    const i = parse(inb);
    const wrapped: Hal = {
      write(buf, off, len) { o.push(buf, off, len); hal.write(buf, off, len); },
      setReceiver(rx) { hal.setReceiver((buf, off, len) => { i.push(buf, off, len); rx(buf, off, len); }); },
      now() { return hal.now(); },
      random32() { return hal.random32(); },
    };
    return fakeStack(knobs)(c, wrapped);
  };
  return { factory, out, inb, config: () => config };
}

const LISTEN = `0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
`;

/** A passive open, data both ways, orderly close: lines 5.. of the script. */
const SERVER = LISTEN + `+0.1 < S 0:0(0) win 1000 <mss 1000,nop,nop,sackOK,nop,wscale 7>
+0 > S. 0:0(0) ack 1 win 1024 <mss 256>
+.1 < . 1:1(0) ack 1 win 1000
+0 accept(3, ..., ...) = 4
+0 < P. 1:11(10) ack 1 win 1000
+0 > . 1:1(0) ack 11 win 1014
+0 read(4, ..., 100) = 10
+0 read(4, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)
+0 write(4, ..., 20) = 20
+0 > P. 1:21(20) ack 11 win 1024
+0 < . 11:11(0) ack 21 win 1000
+0.5 < F. 11:11(0) ack 21 win 1000
+0 > . 21:21(0) ack 12
+0 read(4, ..., 100) = 0
+0 close(4) = 0
+0 > F. 21:21(0) ack 12
+0 < . 12:12(0) ack 22 win 1000
`;

/** SERVER with line `n` (1-based) replaced. */
function withLine(script: string, n: number, text: string): string {
  const l = script.split('\n');
  l[n - 1] = text;
  return l.join('\n');
}

describe('pkt runner against a scripted fake stack', () => {
  it('runs a passive open, data both ways and a close, in strict and portable mode, and reports ignored lines', () => {
    for (const strict of [false, true]) {
      const r = runScript(SERVER, { createStack: fakeStack(), strict });
      expect(r.message).toBe('');
      expect(r).toMatchObject({ ok: true, line: 0, statements: 21, strict });
      expect(r.ignored).toEqual(['ignored: line 2: setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0 (option not modelled)']);
    }
  });

  it('renders a ladder in time order, packetdrill notation, relative numbers', () => {
    const r = runScript(SERVER, { createStack: fakeStack() });
    expect(r.ladder.slice(0, 9)).toEqual([
      '0.000 app           socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '0.000 app           bind(3, ..., ...) = 0',
      '0.000 app           listen(3, 1) = 0',
      '0.100 peer > stack  S 0:0(0) win 1000 <mss 1000,nop,nop,sackOK,nop,wscale 7>',
      '0.100 stack > peer  S. 0:0(0) ack 1 win 1024 <mss 256>',
      '0.200 peer > stack  . 1:1(0) ack 1 win 1000',
      '0.200 app           accept(3, ..., ...) = 4',
      '0.200 peer > stack  P. 1:11(10) ack 1 win 1000',
      '0.200 stack > peer  . 1:1(0) ack 11 win 1014',
    ]);
    // A call's line comes before the packets it causes.
    const w = r.ladder.findIndex((l) => l.includes('write(4'));
    expect(r.ladder[w + 1]).toBe('0.200 stack > peer  P. 1:21(20) ack 11 win 1024');
    expect(r.ladder[r.ladder.length - 1]).toBe('0.700 peer > stack  . 12:12(0) ack 22 win 1000');
  });

  it('maps relative numbers with a non-zero peer ISN by default, and our ISS learned from our SYN-ACK', () => {
    const rec = recording({ iss: 0x01020304 });
    expect(runScript(SERVER, { createStack: rec.factory }).ok).toBe(true);
    expect(DEFAULT_REMOTE_ISN).not.toBe(0);
    expect(rec.inb[0].seq).toBe(DEFAULT_REMOTE_ISN);
    expect(rec.out[0].ack).toBe(DEFAULT_REMOTE_ISN + 1);
    expect(rec.inb[1].ack).toBe(0x01020304 + 1); // `ack 1` relative to our ISS
    const data = rec.inb[2];
    expect(data.seq).toBe(DEFAULT_REMOTE_ISN + 1);
    expect(data.window).toBe(1000);
  });

  it('handles sequence numbers that wrap at 2^32 on both sides (remote_isn header, ISS near the top)', () => {
    const rec = recording({ iss: -5 });
    const script = '// slipstack: remote_isn=4294967290\n' + SERVER;
    const r = runScript(script, { createStack: rec.factory, remoteIsn: 7 });
    expect(r.message).toBe('');
    expect(r.ok).toBe(true);
    expect(rec.inb[0].seq).toBe(4294967290 | 0); // the header beats the option
    // The 10 data octets from relative 1 cross the wrap: absolute 0xfffffffb .. 0x4.
    expect(rec.inb[2].seq).toBe(-5);
    expect(rec.out[1].ack).toBe(5);
    // Our 20 octets from ISS+1 = -4 cross it too and read back as 1:21.
    expect(rec.out[2].seq).toBe(-4);
  });

  it('takes the peer ISN from the remoteIsn option when the script has no header', () => {
    const rec = recording();
    expect(runScript(SERVER, { createStack: rec.factory, remoteIsn: 4294967295 }).ok).toBe(true);
    expect(rec.inb[0].seq).toBe(-1);
    expect(rec.out[0].ack).toBe(0);
  });

  it('treats an inbound ack as relative to 0 before our ISS is known (RST to a closed port)', () => {
    const rec = recording();
    const r = runScript('0 < . 1:1(0) ack 1 win 1000\n+0 > R 1:1(0)\n+0.1 < S 0:0(0) win 1000\n+0 > R. 0:0(0) ack 1\n', { createStack: rec.factory, strict: true });
    expect(r.message).toBe('');
    expect(rec.inb[0].ack).toBe(1);
    expect(rec.out[0].seq).toBe(1);
    expect(r.ladder).toEqual([
      '0.000 peer > stack  . 1:1(0) ack 1 win 1000',
      '0.000 stack > peer  R 1:1(0) win 0',
      '0.100 peer > stack  S 0:0(0) win 1000',
      '0.100 stack > peer  R. 0:0(0) ack 1 win 0',
    ]);
  });

  it('drives an active open with connect, and reports ECONNREFUSED through getsockopt SO_ERROR', () => {
    const head = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n' +
      '+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n+0 > S 0:0(0) win 1024 <mss 256>\n';
    const ok = runScript(head + '+0.05 < S. 0:0(0) ack 1 win 1000 <mss 1000>\n+0 > . 1:1(0) ack 1\n+0 write(3, ..., 5) = 5\n+0 > P. 1:6(5) ack 1\n',
      { createStack: fakeStack(), strict: true });
    expect(ok.message).toBe('');
    expect(ok.ignored).toEqual(['ignored: line 2: fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0']);
    const refused = head + '+0.05 < R. 0:0(0) ack 1 win 0\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n';
    expect(runScript(refused, { createStack: fakeStack() }).message).toBe('');
    const wrong = runScript(refused.replace('[ECONNREFUSED]', '[0]'), { createStack: fakeStack() });
    expect(wrong).toMatchObject({ ok: false, line: 6 });
    expect(wrong.message).toBe('getsockopt SO_ERROR: expected [0] vs actual [ECONNREFUSED]');
    // A blocking connect's "= 0" is accepted: ours returns at once and the lines after it check the handshake.
    expect(runScript(head.replace('= -1 EINPROGRESS (Operation now in progress)', '= 0'), { createStack: fakeStack() }).ok).toBe(true);
  });

  it('maps connect on a listening fd to tcpConnectFrom, and close after SO_LINGER 0 to tcpAbort', () => {
    const calls: string[] = [];
    const spy: StackFactory = (c, hal) => {
      const s = fakeStack()(c, hal);
      return new Proxy(s, {
        get(t, k) {
          const v = (t as unknown as Record<string | symbol, unknown>)[k];
          if (typeof v !== 'function') return v;
          return (...a: unknown[]) => { if (String(k).startsWith('tcp')) calls.push(String(k)); return (v as (...x: unknown[]) => unknown).apply(t, a); };
        },
      }) as TcpStack;
    };
    const r = runScript(LISTEN + '+0 connect(3, ..., ...) = -1 EINPROGRESS\n+0 > S 0:0(0) <mss 256>\n+0 < S. 0:0(0) ack 1 win 100\n+0 > . 1:1(0) ack 1\n' +
      '+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n+0 close(3) = 0\n+0 > R. 1:1(0) ack 1\n', { createStack: spy, strict: true });
    expect(r.message).toBe('');
    expect(calls).toEqual(['tcpListen', 'tcpConnectFrom', 'tcpAbort']);
  });

  it('turns a TcpError into -1 and its errno name', () => {
    const r = runScript(LISTEN + '+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5\n+0 listen(5, 1) = -1 EADDRINUSE (Address already in use)\n', { createStack: fakeStack() });
    expect(r.message).toBe('');
    const w = runScript(LISTEN + '+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5\n+0 listen(5, 1) = 0\n', { createStack: fakeStack() });
    expect(w).toMatchObject({ ok: false, line: 6, message: 'listen: expected = 0 vs actual = -1 EADDRINUSE' });
  });

  // ---- wrong expectations fail at the right line -------------------------------------

  it.each([
    [6, '+0 > S 0:0(0) ack 1 win 1024 <mss 256>', 'flags'],
    [6, '+0 > S. 1:1(0) ack 1 win 1024 <mss 256>', 'seq'],
    [6, '+0 > S. 0:0(0) ack 2 win 1024 <mss 256>', 'ack'],
    [10, '+0 > . 1:1(0) ack 10 win 1014', 'ack'],
    [14, '+0 > P. 1:20(19) ack 11 win 1024', 'len'],
    [11, '+0 read(4, ..., 100) = 9', 'read'],
    [12, '+0 read(4, ..., 100) = 0', 'read'],
    [8, '+0 accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)', 'accept'],
    [20, '+0 > R. 21:21(0) ack 12', 'flags'],
  ])('line %i "%s" fails on %s', (line, text, what) => {
    const r = runScript(withLine(SERVER, line, text), { createStack: fakeStack() });
    expect(r.ok).toBe(false);
    expect(r.line).toBe(line);
    expect(r.message.startsWith(what)).toBe(true);
    expect(r.message).toMatch(/ vs actual /);
  });

  it('says exactly what differs: the expected segment vs the actual one, with times', () => {
    const r = runScript(withLine(SERVER, 6, '+0 > S 0:0(0) ack 1 win 1024 <mss 256>'), { createStack: fakeStack() });
    expect(r.message).toBe('flags: expected "S 0:0(0) ack 1 win 1024 <mss 256>" at 0.100 vs actual "S. 0:0(0) ack 1 win 1024 <mss 256>" at 0.100');
  });

  it('compares win and options only in strict mode; <...> accepts any options; no options given means none', () => {
    const wrongWin = withLine(SERVER, 6, '+0 > S. 0:0(0) ack 1 win 1000 <mss 256>');
    expect(runScript(wrongWin, { createStack: fakeStack() }).ok).toBe(true);
    expect(runScript(wrongWin, { createStack: fakeStack(), strict: true })).toMatchObject({ ok: false, line: 6 });
    expect(runScript(wrongWin, { createStack: fakeStack(), strict: true }).message.startsWith('win (strict)')).toBe(true);
    const wrongMss = withLine(SERVER, 6, '+0 > S. 0:0(0) ack 1 win 1024 <mss 1460>');
    expect(runScript(wrongMss, { createStack: fakeStack() }).ok).toBe(true);
    expect(runScript(wrongMss, { createStack: fakeStack(), strict: true }).message.startsWith('options (strict)')).toBe(true);
    const none = withLine(SERVER, 6, '+0 > S. 0:0(0) ack 1 win 1024');
    expect(runScript(none, { createStack: fakeStack(), strict: true })).toMatchObject({ ok: false, line: 6 });
    expect(runScript(withLine(SERVER, 6, '+0 > S. 0:0(0) ack 1 <...>'), { createStack: fakeStack(), strict: true }).ok).toBe(true);
    // A stack that forgets the MSS option fails the strict script, passes the portable one.
    expect(runScript(SERVER, { createStack: fakeStack({ noMss: true }), strict: true })).toMatchObject({ ok: false, line: 6 });
    expect(runScript(SERVER, { createStack: fakeStack({ noMss: true }) }).ok).toBe(true);
    // A script's `strict` / `portable` header beats the option.
    expect(runScript('// slipstack: strict\n' + wrongWin, { createStack: fakeStack() }).ok).toBe(false);
    expect(runScript('// slipstack: portable\n' + wrongWin, { createStack: fakeStack(), strict: true }).ok).toBe(true);
  });

  it('checks that outbound data is the bytes the app wrote, and that read returns the bytes the peer sent', () => {
    const p = runScript(SERVER, { createStack: fakeStack({ corruptPayload: true }) });
    expect(p).toMatchObject({ ok: false, line: 14 });
    expect(p.message).toMatch(/^payload \(stream octet 0 is 0x[0-9a-f]+, the app wrote 0x65\)/);
    const rd = runScript(SERVER, { createStack: fakeStack({ corruptRead: true }) });
    expect(rd).toMatchObject({ ok: false, line: 11 });
    expect(rd.message).toMatch(/^read data: expected the peer's stream octet 9 = 0x/);
  });

  it('fails on a packet nobody expected, at the next non-outbound line', () => {
    const r = runScript(SERVER, { createStack: fakeStack({ extraAck: true }) });
    expect(r).toMatchObject({ ok: false, line: 8 });
    expect(r.message).toBe('unexpected outbound packet: expected nothing before this line vs actual ". 1:1(0) ack 1 win 1024" at 0.200');
  });

  it('fails when nothing is sent by the expected time plus the tolerance', () => {
    const r = runScript(LISTEN + '+0.1 < S 0:0(0) win 1000\n+0 > S. 0:0(0) ack 1\n+0.1 > F. 1:1(0) ack 1\n', { createStack: fakeStack() });
    expect(r).toMatchObject({ ok: false, line: 7 });
    expect(r.message).toBe('outbound: expected "F. 1:1(0) ack 1" at 0.200 vs actual: nothing was sent by 0.225');
  });

  it('passes before a stack ran anything at all: leftover packets at the end are not checked', () => {
    expect(runScript(LISTEN + '+0.1 < S 0:0(0) win 1000\n', { createStack: fakeStack() }).ok).toBe(true);
  });

  // ---- timing ------------------------------------------------------------------------

  const SYN = LISTEN + '0.100 < S 0:0(0) win 1000\n';

  it('accepts an outbound packet within the tolerance and rejects one outside it (late or early)', () => {
    expect(runScript(SYN + '0.100 > S. 0:0(0) ack 1\n', { createStack: fakeStack({ synAckDelay: 25 }) }).ok).toBe(true);
    const late = runScript(SYN + '0.100 > S. 0:0(0) ack 1\n', { createStack: fakeStack({ synAckDelay: 26 }) });
    expect(late).toMatchObject({ ok: false, line: 6 });
    expect(late.message).toMatch(/^outbound: expected .* vs actual: nothing was sent by 0\.125$/);
    const early = runScript(SYN + '0.130 > S. 0:0(0) ack 1\n', { createStack: fakeStack() });
    expect(early).toMatchObject({ ok: false, line: 6 });
    expect(early.message).toBe('time (tolerance 25 ms): expected "S. 0:0(0) ack 1" at 0.130 vs actual "S. 0:0(0) ack 1 win 1024 <mss 256>" at 0.100');
    // The tolerance comes from the option, or from the script's header (which wins).
    expect(runScript(SYN + '0.100 > S. 0:0(0) ack 1\n', { createStack: fakeStack({ synAckDelay: 40 }), tolerance: 40 }).ok).toBe(true);
    expect(runScript('// slipstack: tolerance=0\n' + SYN + '0.100 > S. 0:0(0) ack 1\n', { createStack: fakeStack({ synAckDelay: 1 }), tolerance: 40 }).ok).toBe(false);
  });

  it('runs the stack timers on the virtual clock: SYN-ACK retransmissions at +1 s, +2 s (RTO doubling)', () => {
    const ok = SYN + '+0 > S. 0:0(0) ack 1\n+1 > S. 0:0(0) ack 1\n+2 > S. 0:0(0) ack 1\n+4 > S. 0:0(0) ack 1\n';
    expect(runScript(ok, { createStack: fakeStack() }).message).toBe('');
    const r = runScript(SYN + '+0 > S. 0:0(0) ack 1\n+1 > S. 0:0(0) ack 1\n+1 > S. 0:0(0) ack 1\n', { createStack: fakeStack() });
    expect(r).toMatchObject({ ok: false, line: 8 });
    expect(r.message).toMatch(/nothing was sent by 2\.125$/);
    // The retransmission at 1.1 comes before an inbound line at 1.5: unexpected.
    const u = runScript(SYN + '+0 > S. 0:0(0) ack 1\n1.5 < . 1:1(0) ack 1 win 1000\n', { createStack: fakeStack() });
    expect(u).toMatchObject({ ok: false, line: 7 });
    expect(u.message).toMatch(/^unexpected outbound packet: .* at 1\.100$/);
  });

  it('counts a relative time after an outbound line from when the packet was actually sent (as packetdrill does)', () => {
    // The SYN-ACK leaves at 0.120; its retransmission at 1.120 = "+1" from the actual time.
    const s = '// slipstack: tolerance=0\n' + SYN + '+0~+0.05 > S. 0:0(0) ack 1\n+1 > S. 0:0(0) ack 1\n';
    expect(runScript(s, { createStack: fakeStack({ synAckDelay: 20 }) }).message).toBe('');
    // An absolute time is script time: 0.110 after a packet expected at 0.100 but sent at
    // 0.120 is not "going backwards"; the statement runs at once (0.120).
    const abs = SYN + '0.100 > S. 0:0(0) ack 1\n0.110 < . 1:1(0) ack 1 win 1000\n+0 accept(3, ..., ...) = 4\n';
    const r = runScript(abs, { createStack: fakeStack({ synAckDelay: 20 }) });
    expect(r.message).toBe('');
    expect(r.ladder[r.ladder.length - 1]).toBe('0.120 app           accept(3, ..., ...) = 4');
  });

  it('matches * (any time) and A~B ranges', () => {
    expect(runScript(SYN + '+0 > S. 0:0(0) ack 1\n* > S. 0:0(0) ack 1\n* > S. 0:0(0) ack 1\n', { createStack: fakeStack() }).ok).toBe(true);
    expect(runScript(SYN + '+0 > S. 0:0(0) ack 1\n+0.5~+1.5 > S. 0:0(0) ack 1\n', { createStack: fakeStack(), tolerance: 0 }).ok).toBe(true);
    expect(runScript(SYN + '+0 > S. 0:0(0) ack 1\n+0.2~+0.9 > S. 0:0(0) ack 1\n', { createStack: fakeStack(), tolerance: 0 }).ok).toBe(false);
    expect(runScript(SYN + '0.05 > S. 0:0(0) ack 1\n', { createStack: fakeStack() }).ok).toBe(false); // earlier than the SYN: nothing yet
  });

  it('rejects a statement whose absolute time goes backwards', () => {
    const r = runScript(LISTEN + '0.5 < S 0:0(0) win 1000\n0.4 close(3) = 0\n', { createStack: fakeStack() });
    expect(r).toMatchObject({ ok: false, line: 6, message: 'time: this statement is at 0.400, before the previous one (0.500)' });
  });

  // ---- the runner never throws ---------------------------------------------------------

  it('reports syntax errors, scripts using fds they never opened, unsupported calls, stacks that throw or lack TCP', () => {
    expect(runScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < Q 0:0(0)\n', { createStack: fakeStack() }))
      .toMatchObject({ ok: false, line: 2, message: 'syntax: bad TCP flags "Q": use S F R P . U E W (. is ACK)' });
    expect(runScript('0 listen(7, 1) = 0\n', { createStack: fakeStack() })).toMatchObject({ ok: false, line: 1, message: 'listen: fd "7" is not open in this script' });
    expect(runScript('0 sendfile(3) = 0\n', { createStack: fakeStack() })).toMatchObject({ ok: false, line: 1, message: 'sendfile: this runner does not support that call' });
    const boom: StackFactory = (c, hal) => Object.assign(fakeStack()(c, hal), { tcpAccept() { throw new Error('boom'); } });
    const b = runScript(LISTEN + '+0 accept(3, ..., ...) = -1 EAGAIN\n', { createStack: boom });
    expect(b).toMatchObject({ ok: false, line: 5 });
    expect(b.message).toMatch(/^stack threw: Error: boom/);
    const badPoll: StackFactory = (c, hal) => Object.assign(fakeStack()(c, hal), { poll: (now: number) => { if (now >= 500) throw new RangeError('tick'); return 500; } });
    const p = runScript(LISTEN + '+1 close(3) = 0\n', { createStack: badPoll });
    expect(p).toMatchObject({ ok: false, line: 5 });
    expect(p.message).toMatch(/^stack threw: RangeError: tick/);
    const noTcp: StackFactory = () => ({ poll: () => Infinity }) as unknown as TcpStack;
    expect(runScript(LISTEN, { createStack: noTcp })).toMatchObject({ ok: false, line: 1, message: 'stack: this stack has no TCP API (stack.tcpListen is missing)' });
    const bad: StackFactory = () => { throw new Error('mtu must be an integer in 68..1500'); };
    expect(runScript(LISTEN, { createStack: bad })).toMatchObject({ ok: false, line: 1, message: 'stack: could not be created: mtu must be an integer in 68..1500' });
  });

  it('stops a stack whose poll never moves its deadline forward', () => {
    const stuck: StackFactory = (c, hal) => Object.assign(fakeStack()(c, hal), { poll: (now: number) => now });
    const r = runScript(LISTEN + '+1 close(3) = 0\n', { createStack: stuck });
    expect(r).toMatchObject({ ok: false, line: 1 });
    expect(r.message).toMatch(/^timers: stack\.poll\(0\) keeps returning a deadline <= now/);
  });

  it('builds the stack config from runner defaults the config knows plus the script header (tcpMsl/msl alias)', () => {
    expect(stackConfig({ mtu: 576, tcpMsl: 1000 }, { addr: 1, mtu: 1, msl: 1 })).toEqual({ addr: '192.168.190.2', mtu: 576, msl: 1000 });
    expect(stackConfig({ tcpMsl: 1000 }, { tcpMsl: 1 })).toEqual({ tcpMsl: 1000 });
    expect(stackConfig({ foo: true }, {})).toEqual({ foo: true }); // unknown keys reach the stack, which may reject them
    const rec = recording();
    runScript('// slipstack: mtu=576 tcpRcvBuf=2048\n' + LISTEN, { createStack: rec.factory });
    expect(rec.config()).toMatchObject({ ...RUNNER_CONFIG, mtu: 576, tcpRcvBuf: 2048 });
    expect(runScript('// slipstack: mtu=576\n' + SYN + '+0 > S. 0:0(0) ack 1 win 1024 <mss 536>\n', { createStack: fakeStack(), strict: true }).ok).toBe(true);
  });

  it('decodes captured segments with their checksums verified', () => {
    const p = new Uint8Array(40);
    const r = new tcp.TcpRepr();
    r.flags = tcp.ACK;
    tcp.emit(r, p, 20, 1, 2);
    const ip = new ipv4.Ipv4Repr();
    ip.src = 1; ip.dst = 2; ip.protocol = ipv4.PROTO_TCP; ip.payloadLen = 20;
    ipv4.emit(ip, p, 0);
    expect(typeof decodeSegment(p)).toBe('object');
    p[39] ^= 1;
    expect(decodeSegment(p)).toBe('TCP checksum');
  });
});

describe('pkt command', () => {
  function withTmp<T>(f: (dir: string) => T): T {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-pkt-'));
    try { return f(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  }

  it('prints PASS/FAIL per script with the ladder tail, then a JSON summary; exit 1 when one failed', () => withTmp((dir) => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.pkt'), SERVER);
    writeFileSync(join(dir, 'sub', 'b.pkt'), withLine(SERVER, 6, '+0 > S 0:0(0) ack 1 win 1024 <mss 256>'));
    writeFileSync(join(dir, 'notes.txt'), 'not a script');
    const out: string[] = [];
    const status = pktMain([dir], (l) => out.push(l), { createStack: fakeStack() });
    expect(status).toBe(1);
    expect(out[0]).toBe('PASS ' + join(dir, 'a.pkt') + ' (21 lines, 1 ignored)');
    expect(out[1]).toBe('  ignored: line 2: setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0 (option not modelled)');
    expect(out[2]).toBe('FAIL ' + join(dir, 'sub', 'b.pkt') + ':6 flags: expected "S 0:0(0) ack 1 win 1024 <mss 256>" at 0.100 vs actual "S. 0:0(0) ack 1 win 1024 <mss 256>" at 0.100');
    expect(out.slice(4, -1).every((l) => l.startsWith('  | '))).toBe(true);
    expect(out[out.length - 2]).toBe('  | 0.100 stack > peer  S. 0:0(0) ack 1 win 1024 <mss 256>');
    expect(JSON.parse(out[out.length - 1])).toEqual({ passed: 1, failed: 1, ignored: 2, scripts: 2 });
    const strictOut: string[] = [];
    expect(pktMain(['--strict', '--tolerance', '5', '--ladder', join(dir, 'a.pkt')], (l) => strictOut.push(l), { createStack: fakeStack() })).toBe(0);
    expect(strictOut.filter((l) => l.startsWith('  | '))).toHaveLength(runScript(SERVER, { createStack: fakeStack() }).ladder.length);
  }));

  it('answers --help, and rejects bad options and missing scripts with status 2', () => {
    const out: string[] = [];
    expect(pktMain(['--help'], (l) => out.push(l))).toBe(0);
    expect(out[0]).toMatch(/^usage: npm run pkt/);
    expect(pktMain(['--tolerance', 'x', 'a.pkt'], (l) => out.push(l))).toBe(2);
    expect(pktMain(['--remote-isn', '4294967296', 'a.pkt'], (l) => out.push(l))).toBe(2);
    expect(pktMain(['--bogus'], (l) => out.push(l))).toBe(2);
    expect(pktMain([], (l) => out.push(l))).toBe(2);
    expect(pktMain(['/nonexistent/x.pkt'], (l) => out.push(l))).toBe(2);
  });

  it('runs as a command through tsx (the npm script): a syntax error fails with its line and status 1', () => withTmp((dir) => {
    writeFileSync(join(dir, 'bad.pkt'), '// slipstack: strict\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0) <mss 1000,bogus>\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/pkt/cli.ts', join(dir, 'bad.pkt')], { encoding: 'utf8' });
    expect(r.stdout).toContain('FAIL ' + join(dir, 'bad.pkt') + ':3 syntax: unknown or malformed TCP option "bogus"');
    expect(r.stdout.trim().split('\n').pop()).toBe('{"passed":0,"failed":1,"ignored":0,"scripts":1}');
    expect(r.status).toBe(1);
  }));
});

// ---- the scripts in test/scripts, against the real stack ---------------------------------

const SCRIPTS = join(__dirname, '..', 'scripts');

function listScripts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listScripts(p));
    else if (name.endsWith('.pkt')) out.push(p);
  }
  return out;
}

describe('test/scripts against slipstack', () => {
  const scripts = listScripts(SCRIPTS);
  for (const file of scripts) {
    const name = relative(SCRIPTS, file);
    // Hand-written scenarios also hold in strict mode (win and options compared).
    const modes = name.startsWith('scenarios') ? [false, true] : [false];
    for (const strict of modes) {
      it(name + (strict ? ' (strict)' : ' (portable)'), () => {
        const r = runScript(readFileSync(file, 'utf8'), { strict });
        const report = r.ok ? '' : name + ':' + r.line + ' ' + r.message + '\n' + r.ladder.slice(-10).join('\n');
        expect(report).toBe('');
      });
    }
  }
});
