/**
 * Interop with the Linux kernel (needs root): the kernel's own ping, curl, nc, ss, Python
 * sockets and tcpdump/tshark in a network namespace made here, reaching a slipstack stack in
 * this process over SLIP — TUN ⇄ `slipstack bridge` ⇄ pty ⇄ hal/serialport ⇄ stack, the
 * path a board uses (test/interop/lab.ts). The stack runs the demo app (firmware/app.ts):
 * TCP and UDP echo on port 7, the HTTP page on port 80.
 *
 * One namespace, bridge and stack serve every test of this file, in order. Without root the
 * tests say why and stop (under CI=true they fail). Traffic stays inside the namespace;
 * afterAll stops every process and deletes it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openLab, kernelLab, sha256, until, tableSummary, LINUX_ADDR, STACK_ADDR } from './lab.js';
import type { Lab } from './lab.js';
import { HTTP_BODY } from '../../firmware/app.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';

const MB = 1 << 20;

/** Python clients run inside the namespace. */
const HALF_CLOSE_PY = `
import socket, sys
n = int(sys.argv[1])
data = bytes((i * 7 + 0xc0) & 0xff for i in range(n))
s = socket.create_connection(('${STACK_ADDR}', 7), timeout=20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)   # half-close: no more data from us, but keep reading
got = bytearray()
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
s.close()
print('sent', n, 'got', len(got), 'same', bytes(got) == data)
`;

/** Connect to port 7, echo one message, print the local port, wait for a go, then close first. */
const LINUX_CLOSES_PY = `
import socket, sys, time
s = socket.create_connection(('${STACK_ADDR}', 7), timeout=10)
s.sendall(b'bye')
got = b''
while len(got) < 3:
    got += s.recv(16)
print('port', s.getsockname()[1], 'echo', got.decode(), flush=True)
time.sleep(0.3)
s.close()
print('closed', flush=True)
`;

/** Ask the HTTP page and read until the server's FIN: the stack closes first. */
const STACK_CLOSES_PY = `
import socket
s = socket.create_connection(('${STACK_ADDR}', 80), timeout=10)
s.sendall(b'GET / HTTP/1.0\\r\\nHost: board\\r\\n\\r\\n')
got = b''
while True:
    d = s.recv(4096)
    if not d:
        break
    got += d
port = s.getsockname()[1]
s.close()
print('port', port, 'status', got.split(b'\\r\\n')[0].decode(), 'len', len(got))
`;

/** A one-connection TCP echo server on Linux's side. */
const ECHO_SERVER_PY = `
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('${LINUX_ADDR}', 9007))
l.listen(1)
print('listening', flush=True)
c, peer = l.accept()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    c.sendall(d)
    n += len(d)
c.close()
print('echoed', n, flush=True)
`;

const kernel = kernelLab();
let lab: Lab | null = null;
/** 1 MB of random data (every octet value, so plenty of SLIP END and ESC). */
const data = randomBytes(MB);

/** Lines of `ss -tan` inside the namespace in state TIME-WAIT. */
async function linuxTimeWait(l: Lab): Promise<string> {
  return (await l.run(['ss', '-Htan', 'state', 'time-wait'])).out;
}

describe('Linux ⇄ slipstack over SLIP (root, network namespace)', () => {
  beforeAll(async () => {
    if (!kernel) return;
    await openLab('linux', {}, [], (l) => { lab = l; });
    const l = lab as unknown as Lab;
    writeFileSync(join(l.dir, 'data.bin'), data);
    writeFileSync(join(l.dir, 'half_close.py'), HALF_CLOSE_PY);
    writeFileSync(join(l.dir, 'linux_closes.py'), LINUX_CLOSES_PY);
    writeFileSync(join(l.dir, 'stack_closes.py'), STACK_CLOSES_PY);
    writeFileSync(join(l.dir, 'echo_server.py'), ECHO_SERVER_PY);
  }, 60_000);

  afterAll(async () => {
    if (lab !== null) await lab.close();
  }, 30_000);

  it('answers ping -s 1472 -p c0db (1500-octet packets of SLIP END/ESC): 20 of 20, payload intact', async () => {
    if (!lab) return;
    const link = await lab.run(['ip', '-o', 'link', 'show', 'dev', 'tun0']);
    expect(link.out).toMatch(/mtu 1500 /);
    const r = await lab.run(['ping', '-c', '20', '-i', '0.05', '-W', '2', '-s', '1472', '-p', 'c0db', '-M', 'do', STACK_ADDR]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/20 packets transmitted, 20 received, 0% packet loss/);
    // ping(8) compares each reply's data with the pattern and prints "wrong data" on a mismatch.
    expect(r.out.match(/^1480 bytes from 192\.0\.2\.2: icmp_seq=\d+ ttl=64 time=/gm)).toHaveLength(20);
    expect(r.out).not.toMatch(/wrong data|DUP|truncated/);
    console.log('ping -s 1472 -p c0db: ' + /rtt .*/.exec(r.out)?.[0]);
  });

  it('answers 1,000 pings at 2 ms intervals with no loss', async () => {
    if (!lab) return;
    const before = lab.stack.counters[stats.CNT_ECHO_REPLIES_SENT];
    const r = await lab.run(['ping', '-q', '-c', '1000', '-i', '0.002', '-W', '1', STACK_ADDR]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/1000 packets transmitted, 1000 received, 0% packet loss/);
    expect(lab.stack.counters[stats.CNT_ECHO_REPLIES_SENT] - before).toBe(1000);
    console.log('1000 pings: ' + /rtt .*/.exec(r.out)?.[0] + ', ' + Math.round(r.ms) + ' ms');
  });

  it('serves 100 sequential curl requests, each exactly the demo page with status 200', async () => {
    if (!lab) return;
    const dir = join(lab.dir, 'curl');
    mkdirSync(dir);
    const loop = 'for i in $(seq 1 100); do curl -s --max-time 10 -D ' + dir + '/h$i -o ' + dir + '/b$i -w "%{http_code}\\n" http://' +
      STACK_ADDR + '/ || echo "fail $i $?"; done';
    const r = await lab.run(['sh', '-c', loop], 90_000);
    expect(r.code, r.err).toBe(0);
    const codes = r.out.trim().split('\n');
    expect(codes).toEqual(new Array(100).fill('200'));
    for (let i = 1; i <= 100; i++) {
      expect(readFileSync(join(dir, 'b' + i), 'utf8')).toBe(HTTP_BODY);
      const head = readFileSync(join(dir, 'h' + i), 'utf8');
      expect(head.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
      expect(head).toContain('Content-Length: ' + HTTP_BODY.length + '\r\n');
    }
    // 100 server-side closes: the stack's TIME-WAIT slots were recycled, the table never ran out.
    expect(lab.stack.drops[stats.DROP_TCP_TABLE_FULL]).toBe(0);
    console.log('100 curls: ' + Math.round(r.ms) + ' ms, ' + (r.ms / 100).toFixed(1) + ' ms each');
  });

  it('echoes 1 MB from nc byte-exact (SHA-256): Linux -> stack -> Linux', async () => {
    if (!lab) return;
    const out = join(lab.dir, 'echo.out');
    const r = await lab.run(['sh', '-c', 'nc -N ' + STACK_ADDR + ' 7 < ' + join(lab.dir, 'data.bin') + ' > ' + out], 60_000);
    expect(r.code, r.err).toBe(0);
    const back = readFileSync(out);
    expect(back.length).toBe(MB);
    expect(sha256(back)).toBe(sha256(data));
    console.log('1 MB nc echo round trip: ' + Math.round(r.ms) + ' ms (' + (2 * MB / 1024 / (r.ms / 1000)).toFixed(0) + ' KB/s both ways)');
  });

  it('sends 1 MB from the stack to nc -l on Linux byte-exact (SHA-256 on Linux\'s side)', async () => {
    if (!lab) return;
    const sink = join(lab.dir, 'sink.bin');
    const nc = lab.spawn(['sh', '-c', 'exec nc -l ' + LINUX_ADDR + ' 9000 > ' + sink]);
    await lab.waitListening(9000);
    const t0 = performance.now();
    const x = await lab.exchange(LINUX_ADDR, 9000, { send: data, afterSend: 'close', timeoutMs: 60_000 });
    expect(x.sent).toBe(MB);
    const r = await nc.exited;
    const ms = performance.now() - t0;
    expect(r.code, r.err).toBe(0);
    const got = readFileSync(sink);
    expect(got.length).toBe(MB);
    expect(sha256(got)).toBe(sha256(data));
    // The stack closed first (after the last octet): its slot ends in TIME-WAIT.
    await until(() => lab!.stack.tcpStates()[x.conn] === C.TIME_WAIT, 10_000);
    expect(C.STATE_NAMES[lab.stack.tcpStates()[x.conn]]).toBe('TIME-WAIT');
    console.log('1 MB stack -> nc -l: ' + Math.round(ms) + ' ms (' + (MB / 1024 / (ms / 1000)).toFixed(0) + ' KB/s)');
  });

  it('receives 1 MB from nc -l on Linux byte-exact (SHA-256 on the stack\'s side)', async () => {
    if (!lab) return;
    const nc = lab.spawn(['sh', '-c', 'exec nc -N -l ' + LINUX_ADDR + ' 9001 < ' + join(lab.dir, 'data.bin')]);
    await lab.waitListening(9001);
    const x = await lab.exchange(LINUX_ADDR, 9001, { send: new Uint8Array(0), afterSend: 'none', timeoutMs: 60_000 });
    expect(x.received.length).toBe(MB);
    expect(sha256(x.received)).toBe(sha256(data));
    const r = await nc.exited;
    expect(r.code, r.err).toBe(0);
    console.log('1 MB nc -l -> stack: ' + Math.round(x.ms) + ' ms (' + (MB / 1024 / (x.ms / 1000)).toFixed(0) + ' KB/s)');
  });

  it('pushes 1 MB through an echo server on Linux and reads it back byte-exact: stack -> Linux -> stack', async () => {
    if (!lab) return;
    const srv = lab.spawn(['python3', '-u', join(lab.dir, 'echo_server.py')]);
    await lab.waitFor(srv, /listening/);
    const x = await lab.exchange(LINUX_ADDR, 9007, { send: data, afterSend: 'shutdown', timeoutMs: 60_000 });
    expect(x.sent).toBe(MB);
    expect(x.received.length).toBe(MB);
    expect(sha256(x.received)).toBe(sha256(data));
    const r = await srv.exited;
    expect(r.out).toContain('echoed ' + MB);
    console.log('1 MB stack -> Linux echo -> stack: ' + Math.round(x.ms) + ' ms');
  });

  it('closes with Linux first: TIME-WAIT on Linux (ss -tan), CLOSE-WAIT -> LAST-ACK -> CLOSED on the stack', async () => {
    if (!lab) return;
    const since = lab.stack.trace.total;
    const py = lab.spawn(['python3', '-u', join(lab.dir, 'linux_closes.py')]);
    await lab.waitFor(py, /port \d+ echo bye/);
    const port = Number(/port (\d+)/.exec(py.out())![1]);
    const slots = lab.slotsFor(7, port);
    expect(slots).toHaveLength(1);
    const slot = slots[0];
    expect(lab.stack.tcpStates()[slot]).toBe(C.ESTABLISHED);
    const r = await py.exited;
    expect(r.code, r.err).toBe(0);
    // Wait for the stack's FIN to be acknowledged (LAST-ACK -> CLOSED).
    await until(() => lab!.slotsFor(7, port).length === 0, 10_000);
    expect(lab.slotsFor(7, port)).toEqual([]);
    // The slot may first have been recycled from an older TIME-WAIT (the curls' connections).
    const path = lab.transitions(since, slot).filter((t, k) => !(k === 0 && t === 'TIME-WAIT>CLOSED'));
    expect(path).toEqual(['LISTEN>SYN-RECEIVED', 'SYN-RECEIVED>ESTABLISHED', 'ESTABLISHED>CLOSE-WAIT', 'CLOSE-WAIT>LAST-ACK', 'LAST-ACK>CLOSED']);
    const tw = await linuxTimeWait(lab);
    expect(tw).toMatch(new RegExp('192\\.0\\.2\\.1:' + port + '\\s+192\\.0\\.2\\.2:7\\b'));
    console.log('Linux closed first: stack ' + path.join(', ') + '; Linux: ' + tw.trim().split('\n').find((s) => s.includes(':' + port + ' ')));
  });

  it('closes with the stack first: TIME-WAIT in the stack\'s table, none on Linux', async () => {
    if (!lab) return;
    const since = lab.stack.trace.total;
    const r = await lab.run(['python3', join(lab.dir, 'stack_closes.py')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/status HTTP\/1\.0 200 OK/);
    const port = Number(/port (\d+)/.exec(r.out)![1]);
    const slots = lab.slotsFor(80, port);
    expect(slots, tableSummary(lab.stack)).toHaveLength(1);
    const slot = slots[0];
    // Linux's FIN and the ACK of ours may still be on the line when python exits.
    await until(() => lab!.stack.tcpStates()[slot] === C.TIME_WAIT, 10_000);
    expect(C.STATE_NAMES[lab.stack.tcpStates()[slot]]).toBe('TIME-WAIT');
    const path = lab.transitions(since, slot);
    expect(path[0]).toMatch(/^(LISTEN|TIME-WAIT)>/); // a recycled TIME-WAIT slot, or a fresh one
    expect(path).toContain('ESTABLISHED>FIN-WAIT-1');
    expect(path[path.length - 1]).toMatch(/>TIME-WAIT$/);
    expect(lab.stack.tcpCount(C.TIME_WAIT)).toBeGreaterThanOrEqual(1);
    // Linux went CLOSE-WAIT -> LAST-ACK -> CLOSED: no TIME-WAIT on its side for this connection.
    const tw = await linuxTimeWait(lab);
    expect(tw).not.toMatch(new RegExp('192\\.0\\.2\\.1:' + port + '\\s'));
    console.log('stack closed first: ' + path.join(', '));
  });

  it('half-close: a Python client shuts down its write side, the echo keeps replying, then closes', async () => {
    if (!lab) return;
    const n = 200_000;
    const cap = join(lab.dir, 'half.pcap');
    const dump = await lab.capture(cap, 'tcp port 7');
    const r = await lab.run(['python3', join(lab.dir, 'half_close.py'), String(n)]);
    expect(r.code, r.err).toBe(0);
    // The capture is complete once it holds the stack's FIN (the last packet the analysis
    // below needs), and tcpdump's own summary says the kernel dropped none on the way to it.
    const dumped = await dump.stop(/192\.0\.2\.2\.7 > 192\.0\.2\.1\.\d+: Flags \[F/);
    expect(dumped.dropped, dumped.err).toBe(0);
    expect(r.out).toContain('sent ' + n + ' got ' + n + ' same True');
    // On the wire: Linux's FIN, then echoed data from the stack, then the stack's FIN.
    const t = await lab.run(['tshark', '-r', cap, '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.flags.fin', '-e', 'tcp.len']);
    const rows = t.out.trim().split('\n').map((line) => line.split('\t'));
    const linuxFin = rows.findIndex((x) => x[0] === LINUX_ADDR && (x[1] === '1' || x[1] === 'True'));
    const stackFin = rows.findIndex((x) => x[0] === STACK_ADDR && (x[1] === '1' || x[1] === 'True'));
    expect(linuxFin).toBeGreaterThan(0);
    expect(stackFin).toBeGreaterThan(linuxFin);
    let after = 0;
    for (let k = linuxFin + 1; k < stackFin; k++) if (rows[k][0] === STACK_ADDR) after += Number(rows[k][2]);
    expect(after).toBeGreaterThan(0);
    console.log('half-close: ' + after + ' of ' + n + ' echoed octets sent after Linux\'s FIN, then the stack\'s FIN');
  });

  it('refuses a connection to a closed port at once (curl exit 7, not a timeout)', async () => {
    if (!lab) return;
    const rst = lab.stack.counters[stats.CNT_TCP_RST_SENT];
    const r = await lab.run(['curl', '-sS', '--connect-timeout', '5', '-o', '/dev/null', '-w', '%{time_total}', 'http://' + STACK_ADDR + ':81/']);
    expect(r.code, r.err).toBe(7); // 7 = couldn't connect; a dropped SYN would give 28 after 5 s
    expect(r.err).toMatch(/Connection refused|Couldn't connect/);
    expect(lab.stack.counters[stats.CNT_TCP_RST_SENT] - rst).toBe(1);
    console.log('connection refused after ' + (Number(r.out) * 1000).toFixed(1) + ' ms');
  });

  it('connects out to an HTTP server in the namespace, sends a request and reads the reply', async () => {
    if (!lab) return;
    const www = join(lab.dir, 'www');
    mkdirSync(www);
    const page = 'hello from Linux, ' + data.subarray(0, 8).toString('hex') + '\n';
    writeFileSync(join(www, 'hello.txt'), page);
    const srv = lab.spawn(['python3', '-u', '-m', 'http.server', '8000', '--bind', LINUX_ADDR, '--directory', www]);
    await lab.waitListening(8000);
    const req = new TextEncoder().encode('GET /hello.txt HTTP/1.0\r\nHost: ' + LINUX_ADDR + '\r\n\r\n');
    const x = await lab.exchange(LINUX_ADDR, 8000, { send: req, afterSend: 'none', timeoutMs: 10_000 });
    const text = x.received.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
    expect(text).toContain('Content-Length: ' + page.length + '\r\n');
    expect(text.endsWith('\r\n\r\n' + page)).toBe(true);
    await lab.waitFor(srv, /"GET \/hello\.txt HTTP\/1\.0" 200/);
    console.log('stack -> python http.server: ' + x.received.length + ' octets in ' + Math.round(x.ms) + ' ms');
  });

  it('a tcpdump capture of a mixed exchange passes tshark with checksum checks: 0 warnings, 0 errors', async () => {
    if (!lab) return;
    const cap = join(lab.dir, 'mixed.pcap');
    const dump = await lab.capture(cap);
    const ping = await lab.run(['ping', '-c', '5', '-i', '0.05', '-s', '1472', '-p', 'c0db', STACK_ADDR]);
    expect(ping.code).toBe(0);
    // One datagram with SLIP's END and ESC in it, echoed by the stack's UDP echo on port 7.
    const udp = await lab.run(['sh', '-c', 'printf "udp\\300\\333" | nc -u -w 1 ' + STACK_ADDR + ' 7 | od -An -tx1']);
    expect(udp.out.trim()).toBe('75 64 70 c0 db');
    const curl = await lab.run(['curl', '-s', 'http://' + STACK_ADDR + '/']);
    expect(curl.out).toBe(HTTP_BODY);
    // Transfers here stay below the stack's 16 KB receive window: a bulk sender filling the
    // window is flow control doing its job, but tshark flags it ("Window Full", a Warn).
    const echo = await lab.run(['sh', '-c', 'head -c 12000 ' + join(lab.dir, 'data.bin') + ' | nc -N ' + STACK_ADDR + ' 7 | sha256sum']);
    expect(echo.out.split(' ')[0]).toBe(sha256(data.subarray(0, 12000)));
    const half = await lab.run(['python3', join(lab.dir, 'half_close.py'), '3000']);
    expect(half.out).toContain('same True');
    const nc = lab.spawn(['sh', '-c', 'exec nc -l ' + LINUX_ADDR + ' 9002 > /dev/null']);
    await lab.waitListening(9002);
    await lab.exchange(LINUX_ADDR, 9002, { send: data.subarray(0, 12000), afterSend: 'close', timeoutMs: 10_000 });
    await nc.exited;
    // The last packet: the stack's ACK of Linux's FIN on port 9002 (the stack closed first).
    const dumped = await dump.stop(/192\.0\.2\.1\.9002 > 192\.0\.2\.2\.\d+: Flags \[F[\s\S]*192\.0\.2\.2\.\d+ > 192\.0\.2\.1\.9002: Flags \[\.\]/);
    // A complete capture: a packet the kernel dropped would show up as a gap (a Warn) not of the stack's making.
    expect(dumped.dropped, dumped.err).toBe(0);

    const expert = await lab.run(['tshark', '-r', cap, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
      '-o', 'udp.check_checksum:TRUE', '-q', '-z', 'expert,note']);
    expect(expert.code, expert.err).toBe(0);
    // Every checksum was verified and good (1), none left unverified (2) or bad (0).
    const sums = await lab.run(['tshark', '-r', cap, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
      '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status',
      '-e', 'udp.checksum.status', '-e', 'icmp.checksum.status']);
    const rows = sums.out.trim().split('\n').map((line) => line.split('\t'));
    for (const r of rows) expect(r.filter((x) => x !== '')).toEqual(['1', '1']);
    const summary = (await lab.run(['tshark', '-r', cap, '-q', '-z', 'io,phs'])).out;
    // tshark heads the sections "Errors (n)", "Warns (n)", "Notes (n)", "Chats (n)".
    expect(expert.out, expert.out).not.toMatch(/^(Errors|Warns|Warnings) \(\d+\)/m);
    // The capture really holds the mix: ICMP, UDP, TCP with HTTP.
    expect(summary).toMatch(/icmp\s+frames:10 /);
    expect(summary).toMatch(/udp\s+frames:2 /);
    expect(summary).toMatch(/http\s+frames:\d+/);
    const frames = Number(/ip\s+frames:(\d+)/.exec(summary)?.[1]);
    expect(frames).toBeGreaterThan(50);
    expect(rows).toHaveLength(frames);
    console.log('tshark on ' + frames + ' frames: ' + (expert.out.match(/^(Notes|Chats) \(\d+\)/gm) ?? ['no notes']).join(', ') + ', no warnings or errors');
  });
});
