/**
 * The runner's reading of the public packetdrill suites (tools/pkt/): the notation they use
 * beyond the project's own scripts, the calls and options they make, strict mode's extra
 * checks, and the verdicts (unsupported, os-choice) with their reasons. Every script here is
 * small and written for the test; none comes from the suites.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tcp from '../../src/wire/tcp.js';
import { parseScript, parseOptions, PktSyntaxError } from '../../tools/pkt/parse.js';
import type { CallStatement, PacketStatement } from '../../tools/pkt/parse.js';
import { runScript, sameErrno, sysctlsOf, encodeOptions, decodeOptions, icmpNumbers, RUNNER_CONFIG } from '../../tools/pkt/run.js';
import type { StackFactory, TcpStack } from '../../tools/pkt/run.js';
import { pktMain, HOSTS } from '../../tools/pkt/cli.js';
import { fakeStack } from './pkt-fake.js';

/** The line a PktSyntaxError reports for `text`, or 0 when it parses. */
function syntaxErrorLine(text: string, defines?: string[]): number {
  try {
    parseScript(text, { defines });
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

/** A listener on the fake stack, with the passive open done: lines 1..8, fd 4 accepted. */
const OPEN = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 1000 <mss 1000>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 1000
+0 accept(3, ..., ...) = 4
`;

/** A factory around the fake that records the config it was given and the tcp* calls made. */
function spy(extra: Partial<TcpStack> = {}) {
  const calls: string[] = [];
  let config: Record<string, unknown> = {};
  const factory: StackFactory = (c, hal) => {
    config = c;
    const s = Object.assign(fakeStack()(c, hal), extra);
    return new Proxy(s, {
      get(t, k) {
        const v = (t as unknown as Record<string | symbol, unknown>)[k];
        if (typeof v !== 'function') return v;
        return (...a: unknown[]) => {
          if (String(k).startsWith('tcp')) calls.push(String(k) + '(' + a.filter((x) => !(x instanceof Uint8Array)).join(',') + ')');
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    }) as TcpStack;
  };
  return { factory, calls, config: () => config };
}

describe('pkt parser: the notation of the public suites', () => {
  it('collects option lines (--name=value, --name) with their lines, and rejects malformed ones', () => {
    const s = parseScript('--ip_version=ipv4\n--tolerance_usecs=75000\n\n--strict_segments // a comment\n--remote_ip = "192.0.2.1"\n0 close(3) = 0');
    expect(s.options).toEqual([
      { line: 1, name: 'ip_version', value: 'ipv4' }, { line: 2, name: 'tolerance_usecs', value: '75000' },
      { line: 4, name: 'strict_segments', value: null }, { line: 5, name: 'remote_ip', value: '192.0.2.1' },
    ]);
    expect(s.statements).toHaveLength(1);
    expect(syntaxErrorLine('\n--bad-option')).toBe(2);
  });

  it('keeps or drops #ifdef / #ifndef / #else / #endif blocks by the defined names, keeping line numbers', () => {
    const text = ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3', '#ifdef STANDARD', '+0 close(3) = 0', '#else', '+0 close(3) = -1 EBADF',
      '#endif', '#ifndef STANDARD', '#ifdef FreeBSD', '+0 listen(3, 1) = 0', '#endif', '#endif', '+0 bind(3, ..., ...) = 0'].join('\n');
    const lines = (defines: string[]) => parseScript(text, { defines }).statements.map((x) => x.line);
    expect(lines(['STANDARD'])).toEqual([1, 3, 12]);
    expect(lines([])).toEqual([1, 5, 12]);
    expect(lines(['FreeBSD'])).toEqual([1, 5, 9, 12]);
    expect(syntaxErrorLine('#endif')).toBe(1);
    expect(syntaxErrorLine('\n#ifdef X\n0 close(3) = 0')).toBe(2);
    expect(syntaxErrorLine('#ifdef X\n#else\n#else\n#endif')).toBe(3);
    expect(syntaxErrorLine('#if defined(X)\n#endif')).toBe(1);
    expect(syntaxErrorLine('#ifdef\n#endif')).toBe(1);
    // A Python comment inside %{ }% is Python, not a directive.
    expect(parseScript('0 %{\n# if this were a directive it would fail\nx = 1\n}%').statements[0].type).toBe('python');
    // Lines inside a dropped block are not parsed at all.
    expect(syntaxErrorLine('#ifdef NEVER\nthis is not packetdrill\n#endif')).toBe(0);
  });

  it('replaces NAME by VALUE for --define NAME=VALUE, as packetdrill\'s -D does (whole words, not in strings)', () => {
    const s = parseScript('0 < S 0:0(0) <FO COOKIE>\n+0 < S 0:0(0) <mss MSS>\n+0 write(4, "MSS", MSS) = MSS', { defines: ['COOKIE=0102030405060708', 'MSS=536'] });
    expect((s.statements[0] as PacketStatement).seg.options).toEqual([{ kind: 'FO', cookie: '0102030405060708' }]);
    expect((s.statements[1] as PacketStatement).seg.options).toEqual([{ kind: 'mss', value: 536 }]);
    expect(s.statements[2]).toMatchObject({ args: ['4', '"MSS"', '536'], ret: 536 });
    expect(syntaxErrorLine('0 < S 0:0(0) <mss MSS>')).toBe(1); // undefined, as in packetdrill
  });

  it('reads hexadecimal and bracketed results, and errno notes with spaces', () => {
    expect(call('0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)')).toMatchObject({ ret: 2, retText: '0x02', errno: null });
    expect(call('0 fcntl(3, F_GETFL) = 0x802')).toMatchObject({ ret: 0x802 });
    expect(call('0 read(3, ..., 1) = -1 EWOULDBLOCK (Operation would block)')).toMatchObject({ ret: -1, errno: 'EWOULDBLOCK' });
    const b = call('0 epoll_wait(5, [{events=EPOLLIN, u64=1}], 1, 0) = [1]');
    expect(b.retText).toBe('[1]');
    expect(Number.isNaN(b.ret)).toBe(true);
    expect(syntaxErrorLine('0 close(3) = 0x')).toBe(1);
  });

  it('reads "+ 0.1", "+.1...0.2" (a blocking call whose end counts from the same base) and time-less commands', () => {
    const s = parseScript('`init\ncommand`\n+ 0.1 close(3) = 0\n+.1...0.2 read(3, ..., 1) = 1\n`cleanup`');
    expect(s.statements.map((x) => [x.type, x.line])).toEqual([['shell', 1], ['call', 3], ['call', 4], ['shell', 5]]);
    expect(s.statements[0].time).toEqual({ kind: 'rel', ms: 0, endMs: null, range: null });
    expect(s.statements[0].text).toBe('`init\ncommand`');
    expect(s.statements[1].time).toMatchObject({ kind: 'rel', ms: 100 });
    expect(s.statements[2].time).toEqual({ kind: 'rel', ms: 100, endMs: 200, range: '...' });
    expect(syntaxErrorLine('`never closed\n0 close(3) = 0')).toBe(1);
    expect(syntaxErrorLine('0...0.1 > S 0:0(0)')).toBe(1); // a packet takes A~B, not A...B
  });

  it('reads IP fields before a packet: ECN codepoints, tos, ttl, flowlabel and NPLab\'s class / hlim', () => {
    expect(packet('0 < [noecn] S 0:0(0)').ip).toEqual({ ecn: 'noecn', tos: null, ttl: null, flowLabel: null });
    expect(packet('0 > [ect0] . 1:1(0)').ip).toMatchObject({ ecn: 'ect0' });
    expect(packet('0 > (tos 0x20) R 1:1(0)').ip).toMatchObject({ tos: 0x20 });
    expect(packet('0 > (ttl 64) R 1:1(0)').ip).toMatchObject({ ttl: 64 });
    expect(packet('0 > (class 0xe0) R 1:1(0)').ip).toMatchObject({ tos: 0xe0 });
    expect(packet('0 > (hlim 3) R 1:1(0)').ip).toMatchObject({ ttl: 3 });
    expect(packet('0 < (tos 0x1, flowlabel 0x12345) S 0:0(0)').ip).toEqual({ ecn: null, tos: 1, ttl: null, flowLabel: 0x12345 });
    expect(packet('0 < S 0:0(0)').ip).toBeNull();
    expect(syntaxErrorLine('0 < [bogus] S 0:0(0)')).toBe(1);
    expect(syntaxErrorLine('0 < (tos 0x100) S 0:0(0)')).toBe(1);
  });

  it('reads ICMP lines: type, code, mtu, id and the quoted packet', () => {
    const a = packet('0 < icmp unreachable frag_needed mtu 1234 [5:5(0)]');
    expect(a).toMatchObject({ proto: 'icmp', dir: '<', icmp: { type: 'unreachable', code: 'frag_needed', mtu: 1234, id: null, quoted: 'tcp', quotedLen: 0 } });
    expect(a.seg).toMatchObject({ seq: 5, len: 0 });
    expect(packet('0 <icmp redirect [0:0(0)]').icmp).toMatchObject({ type: 'redirect', code: null });
    expect(packet('0 < icmp echo_reply id 7').icmp).toMatchObject({ type: 'echo_reply', id: 7, quoted: null });
    expect(packet('0 < icmp unreachable port_unreachable [udp(10)]').icmp).toMatchObject({ quoted: 'udp', quotedLen: 10 });
    expect(packet('0 < icmp unreachable port_unreachable [1:1(0)/udp(1 > 2)]').udpEncap).toEqual([1, 2]);
    expect(syntaxErrorLine('0 < icmp unreachable [0:0(0)] extra')).toBe(1);
    expect(syntaxErrorLine('0 < icmp unreachable mtu')).toBe(1);
    expect(icmpNumbers('unreachable', 'port_unreachable')).toEqual([3, 3]);
    expect(icmpNumbers('time_exceeded', 'ttl_exceeded_in_transit')).toEqual([11, 0]);
    expect(icmpNumbers('type_200', 'code_9')).toEqual([200, 9]);
    expect(icmpNumbers('packet_too_big', null)).toMatch(/not an ICMPv4 type/);
    expect(icmpNumbers('unreachable', 'no_route')).toMatch(/not an ICMPv4 code/);
  });

  it('reads "-" flags, "F ." split flags, NPLab\'s "!" and "...(LEN)", /udp(..) suffixes, encap psp and explicit ports', () => {
    expect(packet('0 < - 0:0(0)').seg.flags).toBe(0);
    expect(packet('0 < F  . 1:1(0) ack 1').seg.flags).toBe(tcp.FIN | tcp.ACK);
    expect(packet('0 > R. 0:0(0)! ack 2').seg).toMatchObject({ seq: 0, absolute: true, ack: 2 });
    expect(packet('0 > S. ...(0) ack 65537').seg).toMatchObject({ anySeq: true, len: 0, ack: 65537 });
    expect(syntaxErrorLine('0 < S. ...(0) ack 1')).toBe(1); // inbound needs a seq
    const u = packet('0 < S. 0:0(0) ack 1 win 100 <mss 1452>/udp(1 > 9811)');
    expect(u.udpEncap).toEqual([1, 9811]);
    expect(u.seg.options).toEqual([{ kind: 'mss', value: 1452 }]);
    expect(packet('0 > encap psp spi 23 P. 1:11(10) ack 1').pspSpi).toBe(23);
    expect(packet('0 < 1234>80 S 0:0(0)').ports).toEqual([1234, 80]);
    expect(packet('0 < udp 1>2 (10)')).toMatchObject({ proto: 'udp', ports: [1, 2] });
    expect(syntaxErrorLine('0 < encap gre S 0:0(0)')).toBe(1);
  });

  it('reads Fast Open, MD5 and AccECN options, and codes them as real TCP options', () => {
    const o = parseOptions('FO,FO 0102030405060708,FOEXP aabb,md5 valid,ECN e0b 1 ceb 2 e1b 3', 1);
    expect(o).toEqual([
      { kind: 'FO', cookie: '' }, { kind: 'FO', cookie: '0102030405060708' }, { kind: 'FOEXP', cookie: 'aabb' },
      { kind: 'md5', sig: 'valid' }, { kind: 'accecn', fields: [['e0b', 1], ['ceb', 2], ['e1b', 3]] },
    ]);
    // RFC 7413 §4.1.1 kind 34; RFC 6994 kind 254 with ExID 0xF989.
    expect(Array.from(encodeOptions(parseOptions('FO 01020304', 1)))).toEqual([34, 6, 1, 2, 3, 4, 0, 0]);
    expect(Array.from(encodeOptions(parseOptions('FOEXP aabb', 1)))).toEqual([254, 6, 0xf9, 0x89, 0xaa, 0xbb, 0, 0]);
    const md5 = encodeOptions(parseOptions('md5 000102030405060708090a0b0c0d0e0f', 1));
    expect(Array.from(md5.slice(0, 4))).toEqual([19, 18, 0, 1]);
    expect(decodeOptions(md5, 0, md5.length)).toEqual([{ kind: 'md5', sig: '000102030405060708090a0b0c0d0e0f' }, { kind: 'eol' }]);
    const fo = encodeOptions(parseOptions('FO 01020304,FOEXP aabb', 1));
    expect(decodeOptions(fo, 0, fo.length)).toEqual([{ kind: 'FO', cookie: '01020304' }, { kind: 'FOEXP', cookie: 'aabb' }]);
    expect(() => parseOptions('FO xyz', 1)).toThrow(/whole octets in hex/);
    expect(() => parseOptions('ECN e2b 1', 1)).toThrow(/e0b, ceb or e1b/);
  });
});

describe('pkt runner: option lines, defines, calls', () => {
  it('stops with "unsupported" on an IPv6 script and on options it cannot honour; IPv4 (mapped too) runs', () => {
    const v6 = runScript('--ip_version=ipv6\n' + OPEN, { createStack: fakeStack() });
    expect(v6).toMatchObject({ ok: false, verdict: 'unsupported', line: 1, reason: 'IPv6 (--ip_version=ipv6; slipstack speaks IPv4 only)' });
    expect(runScript('--ip_version=ipv4\n' + OPEN, { createStack: fakeStack() }).verdict).toBe('pass');
    expect(runScript('--ip_version=ipv4-mapped-ipv6\n' + OPEN, { createStack: fakeStack() }).verdict).toBe('pass');
    expect(runScript('--mtu=9000\n' + OPEN, { createStack: fakeStack() }).reason).toMatch(/^link MTU 9000/);
    expect(runScript('--udp_encapsulation=tcp\n' + OPEN, { createStack: fakeStack() }).reason).toMatch(/^TCP over UDP/);
    expect(runScript('--tcp_md5_secret=x\n' + OPEN, { createStack: fakeStack() }).reason).toMatch(/^TCP MD5/);
    const other = runScript('--tcp_ts_tick_usecs=1000\n' + OPEN, { createStack: fakeStack() });
    expect(other.verdict).toBe('pass');
    expect(other.ignored).toContain('ignored: line 1: --tcp_ts_tick_usecs=1000 (option not modelled)');
  });

  it('takes the tolerance from --tolerance_usecs (rounded up to ms), the header still winning', () => {
    const syn = OPEN.split('\n').slice(0, 4).join('\n') + '\n0.110 > S. 0:0(0) ack 1\n';
    expect(runScript(syn, { createStack: fakeStack(), tolerance: 5 }).ok).toBe(false);
    expect(runScript('--tolerance_usecs=10001\n' + syn, { createStack: fakeStack(), tolerance: 5 }).ok).toBe(true);
    expect(runScript('--tolerance_usecs=9000\n' + syn, { createStack: fakeStack() }).ok).toBe(false);
    expect(runScript('// slipstack: tolerance=2\n--tolerance_usecs=50000\n' + syn, { createStack: fakeStack() }).ok).toBe(false);
  });

  it('gives the stack --mtu, --local_ip, --config and set-up sysctls as configuration; uses --remote_ip as the peer', () => {
    const s = spy();
    const text = '--mtu=576\n--local_ip=10.0.0.2\n--remote_ip=10.0.0.1\n0 `sysctl -w net.inet.tcp.recvspace=65536`\n+0 `sysctl -w net.inet.tcp.sack.enable=0`\n' + OPEN;
    const r = runScript(text, { createStack: s.factory, config: { tcpAckDelay: 40, mtu: 1500 } });
    expect(r.message).toBe('');
    expect(s.config()).toMatchObject({ mtu: 576, addr: '10.0.0.2', tcpRcvBuf: 65535, tcpSack: false, tcpAckDelay: 40 });
    expect(r.ladder.some((l) => l.includes('S. 0:0(0) ack 1 win 1024 <mss 536>'))).toBe(true);
    // A sysctl after the set-up (the first call) is not a host setting.
    const late = spy();
    runScript(OPEN + '+0 `sysctl -w net.inet.tcp.recvspace=2048`\n', { createStack: late.factory });
    expect(late.config()).toMatchObject({ tcpRcvBuf: RUNNER_CONFIG.tcpRcvBuf });
    expect(sysctlsOf('sysctl -w a.b=1 && sysctl -q c.d="x y"\n../set_sysctls.py /proc/sys/net/ipv4/tcp_sack=0')).toEqual([['a.b', '1'], ['c.d', 'x y'], ['net.ipv4.tcp_sack', '0']]);
  });

  it('leaves out a host setting the real stack refuses, and says so', () => {
    const r = runScript('0 `sysctl -w net.inet.tcp.keepcnt=1`\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n');
    expect(r.verdict).toBe('pass');
    expect(r.notes[0]).toMatch(/^line 0: host setting tcpKeepCnt=1 left out: .*tcpKeepCnt/);
  });

  it('runs #ifdef blocks by RunOptions.defines', () => {
    const text = OPEN + '#ifdef WRONG\n+0 close(4) = -1 EBADF\n#endif\n';
    expect(runScript(text, { createStack: fakeStack() }).ok).toBe(true);
    expect(runScript(text, { createStack: fakeStack(), defines: ['WRONG'] })).toMatchObject({ ok: false, line: 9 });
  });

  it('turns a call mismatch into a warning under --non_fatal=syscall, and runs on', () => {
    const r = runScript('--non_fatal=syscall\n' + OPEN + '+0 read(4, ..., 10) = 5\n+0 close(4) = 0\n+0 > F. 1:1(0) ack 1\n', { createStack: fakeStack() });
    expect(r.verdict).toBe('pass');
    expect(r.notes).toEqual(['line 9: warning (--non_fatal=syscall): read: expected = 5 vs actual = -1 EAGAIN']);
  });

  it('treats EWOULDBLOCK as EAGAIN', () => {
    expect(sameErrno('EWOULDBLOCK', 'EAGAIN')).toBe(true);
    expect(sameErrno('EAGAIN', 'EWOULDBLOCK')).toBe(true);
    expect(sameErrno('EAGAIN', 'EINVAL')).toBe(false);
    expect(runScript(OPEN + '+0 read(4, ..., 10) = -1 EWOULDBLOCK (Operation would block)\n', { createStack: fakeStack() }).ok).toBe(true);
    expect(runScript(OPEN + '+0 read(4, ..., 10) = -1 EINVAL\n', { createStack: fakeStack() }).message).toBe('read: expected = -1 EINVAL vs actual = -1 EAGAIN');
  });

  it('peeks with recv(MSG_PEEK): the bytes are checked and still there for the next read (fake stack with tcpPeek)', () => {
    const data = OPEN + '+0 < P. 1:11(10) ack 1 win 1000\n+0 > . 1:1(0) ack 11\n';
    const ok = runScript(data + '+0 recv(4, ..., 100, MSG_PEEK) = 10\n+0 recv(4, ..., 4, MSG_PEEK) = 4\n+0 recv(4, ..., 100, 0) = 10\n' +
      '+0 recv(4, ..., 100, MSG_PEEK) = -1 EAGAIN\n', { createStack: fakeStack() });
    expect(ok.message).toBe('');
    expect(runScript(data + '+0 recv(4, ..., 100, MSG_PEEK) = 10\n+0 recv(4, ..., 100, MSG_PEEK) = -1 EAGAIN\n', { createStack: fakeStack() }))
      .toMatchObject({ ok: false, line: 11 });
    const noPeek: StackFactory = (c, hal) => Object.assign(fakeStack()(c, hal), { tcpPeek: undefined });
    expect(runScript(data + '+0 recv(4, ..., 100, MSG_PEEK) = 10\n', { createStack: noPeek }))
      .toMatchObject({ verdict: 'unsupported', line: 10, reason: 'MSG_PEEK (this stack offers no way to look at data without reading it)' });
  });

  it('peeks on the real stack through its receive ring, without consuming or reopening the window', () => {
    const text = `// slipstack: mtu=1500 tcpRcvBuf=1024
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 1000 <mss 1000>
+0 > S. 0:0(0) ack 1 <...>
+0 < . 1:1(0) ack 1 win 1000
+0 accept(3, ..., ...) = 4
+0 < P. 1:601(600) ack 1 win 1000
+0 > . 1:1(0) ack 601 win 424
+0 recv(4, ..., 1000, MSG_PEEK) = 600
+0 ioctl(4, FIONREAD, [600]) = 0
+0 recv(4, ..., 100, 0) = 100
+0 recv(4, ..., 1000, MSG_PEEK) = 500
+0 read(4, ..., 1000) = 500
+0 > . 1:1(0) ack 601 win 1024
+0 recv(4, ..., 1000, MSG_PEEK) = -1 EAGAIN
+0 < F. 601:601(0) ack 1 win 1000
+0 > . 1:1(0) ack 602
+0 recv(4, ..., 1000, MSG_PEEK) = 0
+0 read(4, ..., 1000) = 0
`;
    const r = runScript(text, { strict: true });
    expect(r.message).toBe('');
    expect(r.verdict).toBe('pass');
  });

  it('models fcntl F_GETFL / F_SETFL (O_NONBLOCK) and compares hexadecimal results', () => {
    const r = runScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)\n' +
      '+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n+0 fcntl(3, F_GETFL) = 0x802\n+0 fcntl(3, F_SETFL, O_RDWR) = 0\n+0 fcntl(3, F_GETFL) = 0x2\n', { createStack: fakeStack(), strict: true });
    expect(r.message).toBe('');
    expect(r.ignored).toEqual([]);
    const w = runScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_GETFL) = 0x6\n', { createStack: fakeStack() });
    expect(w.message).toBe('fcntl: expected = 0x6 vs actual = 2');
  });

  it('answers getsockopt SO_RCVBUF / SO_SNDBUF from the configured rings: a difference is a note, a failure in strict mode', () => {
    const ok = runScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [1024], [4]) = 0\n' +
      '+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [4096], [4]) = 0\n', { createStack: fakeStack(), strict: true, config: { tcpSndBuf: 4096 } });
    expect(ok.message).toBe('');
    const other = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0\n';
    const p = runScript(other, { createStack: fakeStack() });
    expect(p.verdict).toBe('pass');
    expect(p.notes).toEqual(['line 2: getsockopt SO_RCVBUF: expected [65536] vs actual [1024] (a host setting; compared in strict mode only)']);
    expect(runScript(other, { createStack: fakeStack(), strict: true })).toMatchObject({
      ok: false, line: 2, message: 'getsockopt SO_RCVBUF: expected [65536] vs actual [1024] (strict)',
    });
  });

  it('maps TCP_NODELAY, SO_KEEPALIVE and TCP_USER_TIMEOUT to the stack; a listener\'s settings reach the accepted connection', () => {
    const s = spy({ tcpSetNoDelay() { /* recorded */ }, tcpSetKeepAlive() { /* recorded */ }, tcpSetR2() { /* recorded */ } });
    const text = OPEN.replace('+0 listen(3, 1) = 0\n', '+0 listen(3, 1) = 0\n+0 setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = 0\n') +
      '+0 setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n+0 setsockopt(4, SOL_TCP, TCP_USER_TIMEOUT, [3000], 4) = 0\n' +
      '+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [0], 4) = 0\n';
    const r = runScript(text, { createStack: s.factory, strict: true });
    expect(r.message).toBe('');
    expect(s.calls.filter((c) => /^tcpSet/.test(c))).toEqual(['tcpSetNoDelay(1,true)', 'tcpSetKeepAlive(1,true)', 'tcpSetR2(1,3000)', 'tcpSetNoDelay(1,false)']);
    // A stack without the setting: the line is ignored and noted, never silently passed.
    const lacking = runScript(OPEN + '+0 setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n', { createStack: fakeStack() });
    expect(lacking.ignored).toEqual(['ignored: line 8: setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0 (this stack has no such setting)']);
    expect(lacking.notes).toEqual(['line 8: relies on the socket option SO_KEEPALIVE']);
    // Set on the listener, it cannot be handed to the accepted connection either: noted at accept.
    const inherited = runScript(OPEN.replace('+0 listen(3, 1) = 0\n', '+0 listen(3, 1) = 0\n+0 setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n'), { createStack: fakeStack() });
    expect(inherited.notes).toEqual(['line 8: relies on the socket option SO_KEEPALIVE']);
  });

  it('stops with "unsupported" on calls and flags it cannot model: sendmsg, MSG_FASTOPEN, UDP sockets, UDP and encapsulated packets', () => {
    const u = (text: string) => runScript(OPEN + text, { createStack: fakeStack() });
    expect(u('+0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, 0) = 10\n')).toMatchObject({ verdict: 'unsupported', line: 8, reason: 'the call sendmsg()' });
    expect(u('+0 sendto(4, ..., 10, MSG_FASTOPEN, ..., ...) = 10\n').reason).toBe('TCP Fast Open (RFC 7413; sendto with MSG_FASTOPEN)');
    expect(u('+0 send(4, ..., 10, MSG_ZEROCOPY) = 10\n').reason).toBe('send flag MSG_ZEROCOPY');
    expect(u('+0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 5\n').reason).toBe('socket type SOCK_DGRAM (TCP sockets only)');
    expect(u('+0 < udp (10)\n').reason).toBe('UDP datagrams in scripts');
    expect(u('+0 < . 1:1(0) ack 1 win 100/udp(1 > 9811)\n').reason).toBe('TCP over UDP encapsulation (/udp(...))');
    expect(u('+0 < encap psp spi 7 . 1:1(0) ack 1 win 100\n').reason).toBe('PSP encryption (encap psp)');
    expect(u('+0...0.1 splice(4, ..., 5, ..., 10, 0) = 10\n').reason).toBe('the call splice() (blocking)');
    // A blocking Fast Open send is refused when it starts, not when it would have returned.
    expect(u('+0...0.1 sendto(4, ..., 10, MSG_FASTOPEN, ..., ...) = 10\n')).toMatchObject({ verdict: 'unsupported', line: 8 });
    // send / write / sendto with harmless flags work.
    const w = u('+0 send(4, ..., 5, 0) = 5\n+0 > P. 1:6(5) ack 1\n+0 sendto(4, ..., 5, MSG_DONTWAIT, ..., ...) = 5\n+0 > P. 6:11(5) ack 1\n');
    expect(w.message).toBe('');
  });

  it('starts a blocking call A...B at A, runs the lines between, and takes its result at B', () => {
    const accept = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0...0.2 accept(3, ..., ...) = 4
+0.1 < S 0:0(0) win 1000
+0 > S. 0:0(0) ack 1 <...>
+0.05 < . 1:1(0) ack 1 win 1000
+0.1 close(4) = 0
`;
    const r = runScript(accept, { createStack: fakeStack() });
    expect(r.message).toBe('');
    expect(r.ladder).toContain('0.200 app           accept(3, ..., ...) = 4');
    // Ended before the ACK arrives: nothing to accept yet.
    expect(runScript(accept.replace('+0...0.2', '+0...0.12'), { createStack: fakeStack() })).toMatchObject({ ok: false, line: 4, message: 'accept: expected = 4 vs actual = -1 EAGAIN' });
    // A blocking connect sends its SYN at A and returns 0 once ESTABLISHED (real stack).
    const connect = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.1 connect(3, ..., ...) = 0
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 1000 <mss 1000>
+0 > . 1:1(0) ack 1
+0 write(3, ..., 10) = 10
+0 > P. 1:11(10) ack 1
`;
    expect(runScript(connect).message).toBe('');
    expect(runScript(connect.replace('+0...0.1', '+0...0.05'))).toMatchObject({ ok: false, line: 2, message: 'connect: expected = 0 at 0.050 vs actual: still connecting' });
  });

  it('lets a packet wait for a ">" line at the same instant when only calls stand between (packetdrill\'s order)', () => {
    const text = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connect(3, ..., ...) = -1 EINPROGRESS\n' +
      '+0 setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = 0\n+0 `true`\n+0 > S 0:0(0) <...>\n';
    expect(runScript(text, { createStack: fakeStack() }).message).toBe('');
    // Not across time, nor across an inbound packet.
    expect(runScript(text.replace('+0 `true`', '+0.1 `true`'), { createStack: fakeStack() })).toMatchObject({ ok: false, line: 3 });
    expect(runScript(text.replace('+0 `true`', '+0 < . 1:1(0) ack 1 win 100'), { createStack: fakeStack() })).toMatchObject({ ok: false, line: 3 });
  });
});

describe('pkt runner: packets of the public suites', () => {
  const connect = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connect(3, ..., ...) = -1 EINPROGRESS\n+0 > S 0:0(0) <...>\n';

  it('delivers ICMP errors quoting our segment: a hard error refuses a connect, a soft one is reported, a wrong quote is ignored', () => {
    const hard = runScript(connect + '+0.1 < icmp unreachable port_unreachable [0:0(0)]\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n');
    expect(hard.message).toBe('');
    expect(hard.ladder).toContain('0.100 peer > stack  icmp unreachable port_unreachable [0:0(0)]');
    const soft = runScript(connect + '+0.1 < icmp unreachable net_unreachable [0:0(0)]\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [EHOSTUNREACH], [4]) = 0\n');
    expect(soft.message).toBe('');
    // RFC 5927 §4.1: a quoted seq outside SND.UNA..SND.NXT is ignored, so the quote must be ours.
    const wrong = runScript(connect + '+0.1 < icmp unreachable port_unreachable [500:500(0)]\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n');
    expect(wrong.message).toBe('');
    expect(runScript(connect + '+0.1 < icmp unreachable port_unreachable [udp(10)]\n').reason).toBe('ICMP quoting udp data');
  });

  it('compares the IP fields an outbound line names, and sets them on inbound packets', () => {
    expect(runScript(connect.replace('> S', '> (tos 0x0) S')).message).toBe('');
    expect(runScript(connect.replace('> S', '> [noecn] S')).message).toBe('');
    expect(runScript(connect.replace('> S', '> (ttl 64) S')).message).toBe('');
    expect(runScript(connect.replace('> S', '> (ttl 1) S')).message).toMatch(/^ttl \(64\): expected/);
    expect(runScript(connect.replace('> S', '> [ect0] S')).message).toMatch(/^ECN field \(0\): expected/);
    expect(runScript(connect.replace('> S', '> (tos 0x20) S')).message).toMatch(/^tos \(0x0\): expected/);
  });

  it('matches NPLab\'s absolute "!" and any-seq "...(LEN)" outbound lines', () => {
    const closed = '0 < S 0:0(0) win 1000\n';
    expect(runScript(closed + '+0 > R. 0:0(0)! ack 1\n', { createStack: fakeStack() }).message).toBe('');
    expect(runScript(closed + '+0 > R. 1:1(0)! ack 1\n', { createStack: fakeStack() }).message).toMatch(/^seq: /);
    expect(runScript(closed + '+0 > R. ...(0) ack 1\n', { createStack: fakeStack() }).message).toBe('');
  });

  it('fails in strict mode on a packet sent within the tolerance after the last line; portable mode does not look', () => {
    const text = OPEN + '+0 < P. 1:11(10) ack 1 win 1000\n';
    expect(runScript(text, { createStack: fakeStack() }).verdict).toBe('pass');
    const s = runScript(text, { createStack: fakeStack(), strict: true });
    expect(s).toMatchObject({ ok: false, verdict: 'fail', line: 8 });
    expect(s.message).toMatch(/^unexpected outbound packet after the last line \(strict\): expected nothing by 0\.225 vs actual "\. 1:1\(0\) ack 11 win 1014" at 0\.200$/);
    expect(runScript(text + '+0 > . 1:1(0) ack 11 win 1014\n', { createStack: fakeStack(), strict: true }).message).toBe('');
  });

  it('fails in strict mode on an ignored call that asserts a result; a bare "= 0" setting is only listed', () => {
    const asserting = [
      '+0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = -1 EINVAL (Invalid argument)\n',
      '+0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0\n',
      '+0 poll([{fd=4, events=POLLIN, revents=0}], 1, 0) = 0\n'.replace('= 0\n', '= 1\n'),
    ];
    for (const line of asserting) {
      expect(runScript(OPEN + line, { createStack: fakeStack() }).verdict).toBe('pass');
      const r = runScript(OPEN + line, { createStack: fakeStack(), strict: true });
      expect(r).toMatchObject({ ok: false, line: 8 });
      expect(r.message).toMatch(/\(strict\): expected = .* vs actual: not checked, the call is ignored/);
    }
    const setting = runScript(OPEN + '+0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0\n', { createStack: fakeStack(), strict: true });
    expect(setting.verdict).toBe('pass');
    expect(setting.ignored).toEqual(['ignored: line 8: setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0 (option not modelled)']);
  });
});

describe('pkt verdicts: unsupported features and OS choices', () => {
  it('names an OS choice a set-up command selects when the script then fails; a pass stays a pass', () => {
    const text = '0 `sysctl -w net.inet.tcp.insecure_rst=1`\n' + OPEN + '+0 > . 1:1(0) ack 1\n';
    const r = runScript(text, { createStack: fakeStack() });
    expect(r).toMatchObject({ ok: false, verdict: 'os-choice', line: 9 });
    expect(r.reason).toBe('RFC 5961 §3 switched off: a RST anywhere in the window resets the connection (FreeBSD net.inet.tcp.insecure_rst=1) (line 1)');
    expect(runScript('0 `sysctl -w net.inet.tcp.insecure_rst=1`\n' + OPEN, { createStack: fakeStack() }).verdict).toBe('pass');
    // Switched back before the failure: a plain failure.
    expect(runScript(text.replace('+0 > .', '+0 `sysctl -w net.inet.tcp.insecure_rst=0`\n+0 > .'), { createStack: fakeStack() }).verdict).toBe('fail');
    // keepinit only explains failures that come after it expires.
    const k = runScript('0 `sysctl -w net.inet.tcp.keepinit=75000`\n' + OPEN + '+0 > . 1:1(0) ack 1\n', { createStack: fakeStack() });
    expect(k.verdict).toBe('fail');
  });

  it('calls a divergence "unsupported" when the script relied on what the stack does not model', () => {
    // The peer offers window scaling and the script expects our SYN-ACK to agree.
    const ws = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n' +
      '+0 < S 0:0(0) win 1000 <mss 1000,wscale 7>\n+0 > S. 0:0(0) ack 1 <mss 256,wscale 8>\n+.1 < . 1:1(0) ack 1 win 8\n' +
      '+0 accept(3, ..., ...) = 4\n+0 write(4, ..., 200) = 200\n+0 > P. 1:201(200) ack 1\n';
    const r = runScript(ws, { createStack: fakeStack({ win: 1024 }) });
    expect(r.verdict).toBe('pass'); // the fake ignores windows
    const real = runScript(ws);
    expect(real).toMatchObject({ ok: false, verdict: 'unsupported', line: 9 });
    expect(real.reason).toBe('relies on window scaling negotiated in the script (RFC 7323 §2; slipstack offers none) (first at line 5)');
    // An ignored socket option the script then depends on.
    const cork = runScript(OPEN + '+0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0\n+0 write(4, ..., 5) = 5\n+0.2 > P. 1:6(5) ack 1\n', { createStack: fakeStack() });
    expect(cork).toMatchObject({ verdict: 'unsupported', reason: 'relies on the socket option TCP_CORK (first at line 8)' });
    // D-SACK expected from us.
    const dsack = runScript(OPEN + '+0 < P. 1:11(10) ack 1 win 1000\n+0 > . 1:1(0) ack 11\n+0 < P. 1:11(10) ack 1 win 1000\n+0 > . 1:1(0) ack 11 <sack 1:11>\n', { createStack: fakeStack(), strict: true });
    expect(dsack.reason).toMatch(/^relies on D-SACK \(RFC 2883/);
    // A packet larger than the link.
    const big = runScript(OPEN + '+0 < P. 1:2001(2000) ack 1 win 1000\n+0 > . 1:1(0) ack 2001\n', { createStack: fakeStack() });
    expect(big.reason).toBe('relies on a packet of 2040 octets, larger than the link MTU (296) (first at line 8)');
  });

  // The classifiers, each against the real stack, which keeps the RFC behaviour.
  const passive = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 1000 <mss 1000>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 1000
+0 accept(3, ..., ...) = 4
`;
  const active = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 connect(3, ..., ...) = -1 EINPROGRESS
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 1000 <mss 1000>
+0 > . 1:1(0) ack 1
`;

  it('os-choice: an immediate ACK for in-order data the stack acknowledges after its delayed-ACK time', () => {
    const r = runScript('// slipstack: tcpAckDelay=100\n' + passive + '+0 < P. 1:11(10) ack 1 win 1000\n+0 > . 1:1(0) ack 11\n');
    expect(r).toMatchObject({ verdict: 'os-choice', line: 10 });
    expect(r.reason).toMatch(/^an immediate ACK for in-order data .* \(at 0\.200\)/);
    // Out of order: the stack must answer at once (RFC 5681 §4.2); a late answer would be a failure.
    expect(runScript('// slipstack: tcpAckDelay=100\n' + passive + '+0 < P. 11:21(10) ack 1 win 1000\n+0 > . 1:1(0) ack 1\n').verdict).toBe('pass');
  });

  it('os-choice: the FIN repeated in the ACK of a simultaneous close', () => {
    const r = runScript(active + '+0.1 shutdown(3, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 1\n+0.1 < F. 1:1(0) ack 1 win 1000\n+0 > F. 1:1(0) ack 2\n');
    expect(r).toMatchObject({ verdict: 'os-choice', line: 9 });
    expect(r.reason).toMatch(/^the FIN repeated in the ACK of a simultaneous close/);
  });

  it('os-choice: no answer to a segment left of RCV.NXT (its ACK field processed, BSD)', () => {
    const r = runScript(active + '+0.1 < F. 1:1(0) ack 1 win 1000\n+0 > . 1:1(0) ack 2\n+0 shutdown(3, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 2\n' +
      '+0.1 < . 1:1(0) ack 2 win 1000\n+0 close(3) = 0\n');
    expect(r).toMatchObject({ verdict: 'os-choice', line: 11 });
    expect(r.reason).toMatch(/^a segment left of RCV\.NXT has its ACK field processed/);
  });

  it('os-choice: TIME-WAIT answering anything but the exact next ACK, and dropping segments without ACK', () => {
    const tw = active + '+0.1 shutdown(3, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 1\n+0.1 < F. 1:1(0) ack 2 win 1000\n+0 > . 2:2(0) ack 2\n';
    const a = runScript(tw + '+0.1 < . 3:3(0) ack 2 win 1000\n+0 > . 2:2(0) ack 2\n');
    expect(a).toMatchObject({ verdict: 'os-choice', line: 11 });
    expect(a.reason).toMatch(/^an ACK for any segment in TIME-WAIT/);
    const b = runScript(tw + '+0.1 < F 5000:5000(0) win 1000\n+0.1 close(3) = 0\n');
    expect(b).toMatchObject({ verdict: 'os-choice', line: 11 });
    expect(b.reason).toMatch(/^a segment without the ACK bit is dropped silently in TIME-WAIT/);
  });

  it('os-choice: a SYN-ACK arriving at a listener dropped; ICMP errors kept from a connecting socket', () => {
    const l = runScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0.1 < S. 17:17(0) ack 34 win 1000\n+1 close(3) = 0\n');
    expect(l).toMatchObject({ verdict: 'os-choice', line: 5 });
    expect(l.reason).toMatch(/^a SYN-ACK arriving at a listener is dropped/);
    const i = runScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connect(3, ..., ...) = -1 EINPROGRESS\n+0 > S 0:0(0) <...>\n' +
      '+0.1 < icmp unreachable host_unreachable [0:0(0)]\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n');
    expect(i).toMatchObject({ verdict: 'os-choice', line: 5 });
    expect(i.reason).toMatch(/^ICMP errors do not reach a connecting socket/);
  });

  it('os-choice: a RST in LAST-ACK reported as ECONNRESET (the stack closes, as RFC 9293 says, without the signal)', () => {
    const lastAck = active + '+0.1 < F. 1:1(0) ack 1 win 1000\n+0 > . 1:1(0) ack 2\n+0 shutdown(3, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 2\n+0.1 < R 2:2(0) win 1000\n';
    const r = runScript(lastAck + '+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n');
    expect(r).toMatchObject({ verdict: 'os-choice', line: 11, reason: 'a RST in LAST-ACK reported as ECONNRESET (FreeBSD; RFC 9293 §3.10.7.4 only closes the connection in that state)' });
    // ESTABLISHED: the reset is reported (MUST-12), so expecting nothing is a plain failure.
    expect(runScript(active + '+0.1 < R 1:1(0) win 1000\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n').verdict).toBe('fail');
  });

  it('keeps a plain divergence a failure', () => {
    const r = runScript(passive + '+0 < P. 1:11(10) ack 1 win 1000\n+0 > . 1:1(0) ack 12\n');
    expect(r).toMatchObject({ verdict: 'fail', reason: '', line: 9 });
    expect(r.message).toMatch(/^ack: expected/);
  });
});

describe('pkt command: suites', () => {
  function withTmp<T>(f: (dir: string) => T): T {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-pkt-'));
    try { return f(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  }

  it('prints a table by directory and the most common reasons with --summary, taking --define, --config and --host', () => withTmp((dir) => {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'pass.pkt'), OPEN);
    writeFileSync(join(dir, 'a', 'v6.pkt'), '--ip_version=ipv6\n' + OPEN);
    writeFileSync(join(dir, 'b', 'defined.pkt'), OPEN + '#ifdef BAD\n+0 close(4) = -1 EBADF\n#endif\n');
    writeFileSync(join(dir, 'b', 'broken.pkt'), '0 nonsense\n');
    writeFileSync(join(dir, 'b', 'v6-too.pkt'), '--ip_version=ipv6\n' + OPEN);
    const out: string[] = [];
    expect(pktMain(['--summary', '--define', 'BAD', '--config', 'tcpAckDelay=40', dir], (l) => out.push(l), { createStack: fakeStack() })).toBe(1);
    expect(out.slice(0, 4)).toEqual([
      'directory scripts parsed passed failed unsupported os-choice',
      'a               2      2      1      0           1         0',
      'b               3      2      0      2           1         0',
      'total           5      4      1      2           2         0',
    ]);
    expect(out[5]).toBe('reasons (count, then one example):');
    expect(out[6]).toBe('    2  unsupported: IPv6 (--ip_version=…; slipstack speaks IPv4 only)');
    expect(out[7]).toMatch(/^ {7}e\.g\. a\/v6\.pkt:1 IPv6/);
    expect(out.some((l) => /^ {4}1 {2}fail: close$/.test(l))).toBe(true);
    expect(out.some((l) => /^ {4}1 {2}syntax: expected a socket call/.test(l))).toBe(true);
    expect(JSON.parse(out[out.length - 1])).toEqual({ passed: 1, failed: 2, unsupported: 2, osChoice: 0, ignored: 0, scripts: 5 });
    // Without the define the close passes.
    const quiet: string[] = [];
    pktMain(['--summary', join(dir, 'b', 'defined.pkt')], (l) => quiet.push(l), { createStack: fakeStack() });
    expect(JSON.parse(quiet[quiet.length - 1]).passed).toBe(1);
  }));

  it('prints UNSUPPORTED and OS-CHOICE lines with their reasons, notes under them', () => withTmp((dir) => {
    writeFileSync(join(dir, 'v6.pkt'), '--ip_version=ipv6\n' + OPEN);
    writeFileSync(join(dir, 'choice.pkt'), '0 `sysctl -w net.inet.tcp.insecure_rst=1`\n' + OPEN + '+0 > . 1:1(0) ack 1\n');
    const out: string[] = [];
    expect(pktMain([dir], (l) => out.push(l), { createStack: fakeStack() })).toBe(1);
    expect(out[0]).toMatch(/^OS-CHOICE .*choice\.pkt:9 RFC 5961 §3 switched off: .* \(line 1\): outbound: expected /);
    expect(out.find((l) => l.startsWith('UNSUPPORTED'))).toBe('UNSUPPORTED ' + join(dir, 'v6.pkt') + ':1 IPv6 (--ip_version=ipv6; slipstack speaks IPv4 only)');
  }));

  it('checks --define, --config and --host values', () => {
    const out: string[] = [];
    expect(pktMain(['--define', '1BAD', 'x.pkt'], (l) => out.push(l))).toBe(2);
    expect(pktMain(['--config', 'novalue', 'x.pkt'], (l) => out.push(l))).toBe(2);
    expect(pktMain(['--host', 'windows', 'x.pkt'], (l) => out.push(l))).toBe(2);
    expect(out).toEqual([
      'pkt: --define takes NAME or NAME=VALUE, got "1BAD"',
      'pkt: --config takes KEY=VALUE, got "novalue"',
      'pkt: --host takes linux or freebsd, got "windows"',
    ]);
    expect(HOSTS.linux).toMatchObject({ mtu: 1500, tcpAckDelay: 40 });
    expect(HOSTS.freebsd).toMatchObject({ mtu: 1500, tcpAckDelay: 100 });
  });
});
