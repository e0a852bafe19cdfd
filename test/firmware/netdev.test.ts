/**
 * The `__netdev` driver (firmware/netdev.ts) under Kaluma 1.2.1's own `net` and `http`
 * (loaded from ../shared/engines/kaluma-1.2.1 into a Node vm context, bench/engines/
 * kaluma-modules.ts), on two stacks over the loopback link on a virtual clock (test/tcp/pair.ts):
 * the board is stack b with the driver, the host is stack a. Fast checks of what the real
 * interpreter shows end to end (test/firmware/kaluma-net.test.ts): each accepted connection
 * keeps its own events although stock Kaluma's `net` puts them on the listener's record, half-close
 * both ways, connections freed once both sides have closed, errors as 'error' events with
 * newlib's errno, writes whose callback waits for the send ring, and a bounded queue.
 * Without the modules the tests are skipped with the reason, and fail under CI=true.
 */
import { describe, expect, it } from 'vitest';
import vm from 'node:vm';
import { createPair } from '../tcp/pair.js';
import type { Pair } from '../tcp/pair.js';
import { createNetdev, QUEUE } from '../../firmware/netdev.js';
import { NL_ECONNREFUSED, NL_ENOTSUP, NL_ENOBUFS, NL_EINVAL, NL_EBADF, NL_EAFNOSUPPORT, NL_EPROTONOSUPPORT, NL_ECONNRESET } from '../../firmware/newlib-errno.js';
import type { Netdev } from '../../firmware/netdev.js';
import { kalumaModulesDir, kalumaScript, kalumaSkipReason } from '../../bench/engines/kaluma-modules.js';
import { requireEnginesUnderCi } from '../../bench/engines/locate.js';
import * as C from '../../src/tcp/constants.js';

const reason = kalumaSkipReason();
requireEnginesUnderCi(reason);
if (reason !== null) console.warn('skipping the __netdev driver under Kaluma\'s modules: missing ' + reason);

/** The ring sizes of the pair: small, so that a write of more than the send ring queues. */
const RING = 512;

interface Board {
  p: Pair;
  dev: Netdev;
  /** Run code in the board's realm (Kaluma's modules loaded, `__netdev` installed). */
  run(code: string): unknown;
  /** A global of the board's realm. */
  g(name: string): unknown;
}

function setup(): Board {
  const p = createPair({ mtu: 296, tcpConns: 4, tcpListeners: 3, tcpSndBuf: RING, tcpRcvBuf: RING, msl: 1000 });
  const timers: { at: number; fn: () => void }[] = [];
  const wake = (): void => { p.link.woken = true; };
  const dev = createNetdev(p.b.net, wake);
  const ctx = vm.createContext({
    setTimeout: (fn: () => void, ms: number) => { timers.push({ at: p.now() + (ms > 0 ? ms : 0), fn }); return timers.length; },
    console,
    __fromBoard: () => { throw new Error('no UART here'); },
  });
  vm.runInContext(kalumaScript(kalumaModulesDir()!), ctx, { filename: 'kaluma-modules.js' });
  (ctx as Record<string, unknown>).__netdev = dev;
  // The board's event loop: the driver's reports, then every timer due, earliest first.
  p.sim.add((t) => {
    dev.poll();
    for (;;) {
      let k = -1;
      for (let i = 0; i < timers.length; i++) if (timers[i].at <= t && (k < 0 || timers[i].at < timers[k].at)) k = i;
      if (k < 0) break;
      timers.splice(k, 1)[0].fn();
    }
    let next = Infinity;
    for (const x of timers) if (x.at < next) next = x.at;
    return next;
  });
  return { p, dev, run: (code) => vm.runInContext('"use strict";\n' + code, ctx), g: (name) => (ctx as Record<string, unknown>)[name] };
}

/** Host side: connect to the board's port; returns the handle once ESTABLISHED. */
function hostConnect(b: Board, port: number): number {
  const c = b.p.a.tcpConnect(b.p.addrB, port, 0);
  b.p.sim.runWhile(() => b.p.a.tcpState(c) === C.SYN_SENT, b.p.now() + 2000);
  expect(b.p.a.tcpState(c)).toBe(C.ESTABLISHED);
  return c;
}

function send(b: Board, c: number, s: string): void {
  const d = new Uint8Array(Buffer.from(s, 'latin1'));
  expect(b.p.a.tcpWrite(c, d, 0, d.length)).toBe(d.length);
}

/** Everything the host has on c, and whether the board's FIN came (read returned 0). */
function hostRead(b: Board, c: number): { text: string; fin: boolean } {
  const buf = new Uint8Array(4096);
  let text = '';
  for (;;) {
    const r = b.p.a.tcpRead(c, buf, 0, buf.length);
    if (r > 0) text += Buffer.from(buf.subarray(0, r)).toString('latin1');
    else return { text, fin: r === 0 };
  }
}

const ECHO = `
var log = [];
var peers = [];
require('net').createServer(function (c) {
  peers.push(c.remoteAddress + ':' + c.remotePort);
  c.on('data', function (d) { c.write(d); });
  c.on('end', function () { log.push('end'); c.end(); });
  c.on('close', function () { log.push('close'); });
}).listen(7);
`;

describe.skipIf(reason !== null)('__netdev driver under Kaluma 1.2.1 net and http (vm, virtual time)', () => {
  it('two clients at once: each accepted connection keeps its own events and its peer\'s address', () => {
    const b = setup();
    b.run(ECHO);
    const c1 = hostConnect(b, 7);
    const c2 = hostConnect(b, 7);
    // Both connected before either sends: stock Kaluma's `net` has put both sockets' callbacks on the
    // listener's record; only the driver's move keeps the first one's.
    send(b, c1, 'one\xc0\xff');
    send(b, c2, 'two');
    b.p.sim.run(b.p.now() + 500);
    expect(hostRead(b, c1).text).toBe('one\xc0\xff');
    expect(hostRead(b, c2).text).toBe('two');
    const ep = new Int32Array(8);
    b.p.a.tcpEndpoint(c1, ep);
    const p1 = ep[0];
    b.p.a.tcpEndpoint(c2, ep);
    expect(b.g('peers')).toEqual(['192.168.190.1:' + p1, '192.168.190.1:' + ep[0]]);
  });

  it('half-close: the client shuts down after sending and still gets its whole echo, then the board\'s FIN; the slot is freed', () => {
    const b = setup();
    b.run(ECHO);
    const c = hostConnect(b, 7);
    // More than the rings hold: the host sends as the board's window opens, then shuts down.
    const data = new Uint8Array(Buffer.from('x'.repeat(1500) + 'end', 'latin1'));
    let sent = 0;
    let got = '';
    let fin = false;
    b.p.sim.runWhile(() => {
      if (sent < data.length) {
        const w = b.p.a.tcpWrite(c, data, sent, data.length - sent);
        if (w > 0) sent += w;
        if (sent === data.length) b.p.a.tcpShutdown(c);
      }
      const r = hostRead(b, c);
      got += r.text;
      fin = r.fin;
      return !fin;
    }, b.p.now() + 5000);
    expect(got).toBe(Buffer.from(data).toString('latin1'));
    expect(fin).toBe(true);
    b.p.a.tcpClose(c);
    b.p.sim.run(b.p.now() + 3000); // 2·MSL
    expect(b.g('log')).toEqual(['end', 'close']);
    expect(b.p.b.tcpInUse()).toBe(0);
  });

  it('http: the page, chunked as Kaluma\'s http sends it; the board ends its side and frees the connection once the client closes', () => {
    const b = setup();
    b.run(`
      var closed = 0;
      var srv = require('http').createServer(function (req, res) {
        res.writeHead(200, 'OK', { 'Content-Type': 'text/plain' });
        res.end('Hello ' + req.method + ' ' + req.url + '\\n');
      });
      srv.on('connection', function (s) { s.on('close', function () { closed++; }); });
      srv.listen(80);
    `);
    for (let i = 0; i < 6; i++) {
      const c = hostConnect(b, 80);
      send(b, c, 'GET /x' + i + ' HTTP/1.0\r\n\r\n');
      let got = '';
      b.p.sim.runWhile(() => { const r = hostRead(b, c); got += r.text; return !r.fin; }, b.p.now() + 5000);
      const body = 'Hello GET /x' + i + '\n';
      expect(got).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n' +
        body.length.toString(16) + '\r\n' + body + '\r\n0\r\n\r\n');
      b.p.a.tcpClose(c);
      b.p.sim.run(b.p.now() + 200);
      expect(b.g('closed')).toBe(i + 1);
      // Only TIME-WAIT is left on the board, the stack's own (the driver has let go).
      expect(b.p.b.tcpInUse()).toBe(b.p.b.tcpCount(C.TIME_WAIT));
    }
  });

  it('a refused connect and a host name are \'error\' events (ECONNREFUSED 111, ENOTSUP 134), then \'close\'', () => {
    const b = setup();
    b.run(`
      var events = [];
      var net = require('net');
      var a = net.connect({ host: '192.168.190.1', port: 9 }, function () { events.push('connected?'); });
      a.on('error', function (e) { events.push('refused ' + e.errno); });
      a.on('close', function () { events.push('refused close'); });
      var n = net.connect({ host: 'example.com', port: 80 }, function () { events.push('connected?'); });
      n.on('error', function (e) { events.push('name ' + e.errno); });
    `);
    b.p.sim.run(b.p.now() + 1000);
    expect((b.g('events') as string[]).slice().sort()).toEqual(['name ' + NL_ENOTSUP, 'refused ' + NL_ECONNREFUSED, 'refused close'].sort());
    expect(b.p.b.tcpInUse()).toBe(0);
  });

  it('http.get to a host server; a reset connection fails the next write with ECONNRESET', () => {
    const b = setup();
    const l = b.p.a.tcpListen(8000, 2);
    b.run(`
      var body = '', status = 0, done = false;
      require('http').get({ host: '192.168.190.1', port: 8000, path: '/p' }, function (res) {
        status = res.statusCode;
        res.on('data', function (d) { body += String.fromCharCode.apply(null, d); });
        res.on('close', function () { done = true; });
      });
    `);
    let s = -1;
    b.p.sim.runWhile(() => (s = b.p.a.tcpAccept(l)) < 0, b.p.now() + 2000);
    let req = '';
    b.p.sim.runWhile(() => { const r = hostRead(b, s); req += r.text; return !r.fin; }, b.p.now() + 2000);
    // Kaluma's client half-closes after its request (its end() is shutdown(fd, 1)).
    expect(req).toBe('GET /p HTTP/1.1\r\nhost: 192.168.190.1\r\n\r\n');
    send(b, s, 'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    b.p.a.tcpClose(s);
    b.p.sim.runWhile(() => b.g('done') !== true, b.p.now() + 2000);
    expect([b.g('status'), b.g('body')]).toEqual([200, 'hello']);

    b.run(ECHO + `
      var errs = [];
      var out = require('net').connect({ host: '192.168.190.1', port: 8000 }, function () {});
      out.on('error', function (e) { errs.push(e.errno); });
      out.on('close', function () { errs.push('close'); });
    `);
    b.p.sim.runWhile(() => (s = b.p.a.tcpAccept(l)) < 0, b.p.now() + 2000);
    b.p.a.tcpAbort(s);
    b.p.sim.run(b.p.now() + 100);
    expect(b.g('errs')).toEqual(['close']);
    b.run(`out.write('late');`);
    b.p.sim.run(b.p.now() + 100);
    expect(b.g('errs')).toEqual(['close', NL_ECONNRESET]);
  });

  it('a write\'s callback waits until the send ring has taken every octet; a write beyond ring + queue fails whole', () => {
    const b = setup();
    const l = b.p.a.tcpListen(8000, 2);
    const dev = b.dev;
    const fd = dev.socket('AF_INET', 'STREAM');
    const results: string[] = [];
    dev.connect(fd, '192.168.190.1', 8000, (e) => results.push('connect ' + e));
    let s = -1;
    b.p.sim.runWhile(() => (s = b.p.a.tcpAccept(l)) < 0, b.p.now() + 2000);
    expect(results).toEqual(['connect 0']);
    // The host reads nothing: its receive window (RING) and the board's send ring (RING) fill.
    dev.write(fd, 'a'.repeat(RING + 100), (e) => results.push('w1 ' + e));
    expect(results).toEqual(['connect 0']);
    b.p.sim.run(b.p.now() + 500);
    // 100 octets still in the send ring (the host's window is shut): RING + QUEUE cannot fit.
    dev.write(fd, 'b'.repeat(RING + QUEUE), (e) => results.push('w2 ' + e + ' ' + dev.errno));
    expect(results).toEqual(['connect 0', 'w1 0', 'w2 -1 ' + NL_ENOBUFS]);
    dev.write(fd, 'c\u0100', (e) => results.push('w3 ' + e + ' ' + dev.errno));
    expect(results[3]).toBe('w3 -1 ' + NL_EINVAL);
    let got = '';
    b.p.sim.runWhile(() => { got += hostRead(b, s).text; return got.length < RING + 100; }, b.p.now() + 5000);
    expect(got).toBe('a'.repeat(RING + 100));
    // Misuse gets defined errors.
    expect(dev.socket('AF_INET6', 'STREAM')).toBe(-1);
    expect(dev.errno).toBe(NL_EAFNOSUPPORT);
    expect(dev.socket('AF_INET', 'DGRAM')).toBe(-1);
    expect(dev.errno).toBe(NL_EPROTONOSUPPORT);
    dev.shutdown(fd, 0, (e) => results.push('sh0 ' + e + ' ' + dev.errno));
    dev.close(fd, (e) => results.push('close ' + e));
    dev.write(fd, 'x', (e) => results.push('stale ' + e + ' ' + dev.errno));
    expect(results.slice(4)).toEqual(['sh0 -1 ' + NL_EINVAL, 'close 0', 'stale -1 ' + NL_EBADF]);
  });
});
