/**
 * The net variant for Kaluma (dist/kaluma-net.js, profile kaluma-net: firmware/kaluma-net.ts
 * over the `__netdev` driver firmware/netdev.ts) on the real JerryScript (2.4.0 as Kaluma 1.2.1
 * builds it for the RP2040, 180 KB heap, i386, under qemu-i386), after Kaluma 1.2.1's own
 * `events`, `stream`, `net`, `http` and `uart` modules, loaded unchanged from
 * ../shared/engines/kaluma-1.2.1 (bench/engines/kaluma-modules.ts), as Kaluma runs a flashed
 * program: strict mode, after the UART, timers and `millis` of bench/engines/kaluma-stub.js.
 *
 * JerryScript's command line has no IO, so the host runs in the same interpreter: the in-engine
 * peer (bench/engines/peer.js, written from the RFCs apart from src/) driven by
 * test/firmware/kaluma-net-host.js (several connections both ways, RSTs for closed ports)
 * behind a 115200-baud line model on the stub's virtual clock. (slipstack itself as the host
 * does not fit: it left the board a largest free block of 8.6 KB of the 180 KB heap.) With
 * stock `require('http')` and `require('net')` on the board:
 * - the page is served 20 times, byte for byte what Kaluma's http sends (chunked);
 * - two echo clients at once each get their own bytes back;
 * - a client that half-closes right after sending 3,000 octets gets its whole echo, then the
 *   board's FIN;
 * - the board's `net.connect` to a host port nobody listens on gets an 'error' event
 *   (ECONNREFUSED) then 'close';
 * - the board's `http.get` fetches a page from an HTTP server on the host stack;
 * - after 200 requests every slot is back (netstat shows listeners and TIME-WAIT only), and the
 *   heap peak is the same as after 20; the boot peak is held to a budget.
 * Engines come from ../shared/engines or SLIPSTACK_JERRY, the modules from beside them or
 * SLIPSTACK_KALUMA_MODULES; without them (or qemu-i386) the tests are skipped with the reason,
 * and under CI=true they fail.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { jerryRun } from '../../bench/engines/jerry.js';
import type { JerryResult } from '../../bench/engines/jerry.js';
import { tagged } from '../../bench/engines/run.js';
import { kalumaModulesDir, kalumaScript, kalumaSkipReason } from '../../bench/engines/kaluma-modules.js';
import { REPO, engineSkipReason, requireEnginesUnderCi, engineSource } from '../../bench/engines/locate.js';
import { HTTP_BODY } from '../../firmware/app.js';
import { NL_ECONNREFUSED } from '../../firmware/newlib-errno.js';

/** Most heap octets loading and booting may take (stub, Kaluma's modules, the bundle); 121,384 measured. */
const BOOT_PEAK_BUDGET = 121500;
/**
 * JerryScript collects after about heap/32 of allocation (../shared/engines/README.md: 5,760
 * octets on this heap), so where a request's peak falls against that cycle moves the peak by
 * up to one interval when unrelated code changes (measured: 138,136 and 143,816 for the same
 * driver on two builds of the stack), and between the 20- and the 200-request runs of one
 * build. The budget and the flatness check allow one interval.
 */
const GC_INTERVAL = 5760;
/** Most heap octets the board may peak at over the requests (with the in-engine peer); 143,816 measured. */
const REQUEST_PEAK_BUDGET = 138136 + GC_INTERVAL;
const HOST_PAGE = 'Hello from the host, over SLIP.\n';
/** What Kaluma 1.2.1's http sends for the demo page: its writeHead always adds the chunked encoding. */
const PAGE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n' +
  HTTP_BODY.length.toString(16) + '\r\n' + HTTP_BODY + '\r\n0\r\n\r\n';

/** The host: the in-engine peer and the host that drives it (test/firmware/kaluma-net-host.js). */
function hostScripts(): string[] {
  return [engineSource('peer.js'), readFileSync(join(REPO, 'test', 'firmware', 'kaluma-net-host.js'), 'utf8')];
}

/** The functional run, on the board after the bundle and the host. */
function scenario(): string {
  return `
var H = __host, out = {};
out.boot = __log.slice();
var gets = function (count) {
  var texts = {}, fins = 0, vms = [], t0 = Date.now();
  for (var i = 0; i < count; i++) {
    var r = H.get();
    texts[r.text] = (texts[r.text] || 0) + 1;
    if (r.fin) fins++;
    vms.push(r.ms);
  }
  return { texts: texts, fins: fins, vms: vms, wall: Date.now() - t0 };
};
out.get = gets(20);
var pat = function (len, k) { var s = ''; for (var i = 0; i < len; i++) s += String.fromCharCode((i * k + (i >> 8)) & 255); return s; };
var A = pat(700, 7), B = pat(300, 13);
var two = H.both(A, B);
out.two = [two[0].text === A, two[1].text === B, two[0].fin, two[1].fin, two[0].text.length, two[1].text.length];
var BIN = pat(3000, 31);
var half = H.exchange(7, BIN, true);
out.half = [half.text === BIN, half.text.length, half.fin];
var ev = [];
var s = require('net').connect({ host: '192.168.190.1', port: 9 }, function () { ev.push('connect'); });
s.on('error', function (e) { ev.push('error ' + e.errno); });
s.on('close', function () { ev.push('close'); });
H.pump(function () { return ev.length >= 2; }, 5000);
out.refused = ev;
H.serve(8000, ${JSON.stringify(HOST_PAGE)});
var got = { status: 0, body: '', closed: false };
require('http').get({ host: '192.168.190.1', port: 8000, path: '/from-board' }, function (res) {
  got.status = res.statusCode;
  res.on('data', function (d) { got.body += String.fromCharCode.apply(null, d); });
  res.on('close', function () { got.closed = true; });
});
H.pump(function () { return got.closed; }, 10000);
out.httpGet = [got.status, got.body, got.closed, H.lastRequest];
H.pump(function () { return false; }, 1000);
print('@@out ' + JSON.stringify(out));
print('@@netstat-begin 0');
netstat(0);
print('@@netstat-end 0');
`;
}

interface Gets { texts: Record<string, number>; fins: number; vms: number[]; wall: number }
interface Out {
  boot: string[];
  get: Gets;
  two: unknown[];
  half: unknown[];
  refused: string[];
  httpGet: unknown[];
}

/**
 * The memory run: n GETs from the in-engine peer (bench/engines/peer.js, a small TCP client, as
 * test/firmware/kaluma-engine.test.ts uses), each from a new port, with a garbage collection after
 * each, so that the heap peak is what is resident plus one request's garbage, not where the
 * collector happened to run (without gc() the peak moves by one collection interval, about
 * 5.7 KB, and then stays: 143,752 octets after 200, 400 and 1,000 requests).
 */
function memoryRun(count: number): string {
  return `
var peer = makePeer([192, 168, 190, 1], [192, 168, 190, 2]);
var D = makeDriver(peer);
var req = 'GET / HTTP/1.0\\r\\nHost: 192.168.190.2\\r\\n\\r\\n', rb = new Uint8Array(req.length);
for (var i = 0; i < req.length; i++) rb[i] = req.charCodeAt(i);
var texts = {}, t0 = Date.now();
for (var k = 0; k < ${count}; k++) {
  var h = D.tcpConnect(41000 + k, 80);
  D.tcpRun(h, rb, function () { return h.fin; }, 200);
  var resp = peer.tcpReceived(h), s = '';
  for (var j = 0; j < resp.length; j++) s += String.fromCharCode(resp[j]);
  if (!h.fin || h.rst) s = 'no FIN ' + s;
  texts[s] = (texts[s] || 0) + 1;
  D.tcpClose(h, 200);
  gc();
}
print('@@mem ' + JSON.stringify({ texts: texts, wall: Date.now() - t0, bad: peer.badFrames }));
print('@@netstat-begin 0');
if (typeof netstat === 'function') netstat(0);
print('@@netstat-end 0');
`;
}

interface Mem { texts: Record<string, number>; wall: number; bad: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const reason = engineSkipReason({ jerry: 'jerry-kaluma' }) ?? (kalumaSkipReason() === null ? null : 'missing ' + kalumaSkipReason());
requireEnginesUnderCi(reason);
if (reason !== null) console.warn('skipping kaluma-net on real JerryScript: ' + reason);

describe.skipIf(reason !== null)('kaluma-net (Kaluma 1.2.1 net and http over the __netdev driver) on JerryScript 2.4 (180 KB heap)', () => {
  let boot: JerryResult;
  let plain: JerryResult;
  let modules: JerryResult;
  let fun: JerryResult;
  let o: Out;
  let m20: JerryResult;
  let m200: JerryResult;
  let mPlain: JerryResult;

  beforeAll(async () => {
    execFileSync(process.execPath, ['build.mjs', '--quiet', '--only=kaluma-net,kaluma'], { cwd: REPO, stdio: 'pipe' });
    const kaluma = kalumaScript(kalumaModulesDir()!);
    const host = hostScripts();
    const bundle = join(REPO, 'dist', 'kaluma-net.js');
    const mem = (b: string, count: number): Promise<JerryResult> =>
      jerryRun({ bundle: join(REPO, 'dist', b), before: b === 'kaluma.js' ? [] : [kaluma], peer: true, code: memoryRun(count), memStats: true, timeoutMs: 240_000 });
    [boot, plain, modules, fun, m20, m200, mPlain] = await Promise.all([
      jerryRun({ bundle, before: [kaluma], code: 'print("@@booted " + JSON.stringify(__log));', memStats: true }),
      jerryRun({ bundle: join(REPO, 'dist', 'kaluma.js'), code: '', memStats: true }),
      jerryRun({ bundle: null, before: [kaluma], code: 'require("http"); require("uart");', memStats: true }),
      jerryRun({ bundle, before: [kaluma], after: host, code: scenario(), memStats: true, timeoutMs: 240_000 }),
      mem('kaluma-net.js', 20),
      mem('kaluma-net.js', 200),
      mem('kaluma.js', 20),
    ]);
    o = tagged(fun.stdout).out as Out;
  }, 300_000);

  it('boots after Kaluma\'s modules, within its heap budget', () => {
    expect(boot.failed, boot.stdout + boot.stderr).toBe(false);
    expect(tagged(boot.stdout).booted).toEqual([expect.stringMatching(/^slipstack: 192\.168\.190\.2 up, \d+ bytes of stack RAM, profile kaluma-net, net and http$/)]);
    expect(boot.mem!.heapSize).toBe(184312);
    expect(boot.mem!.peakAllocated).toBeLessThanOrEqual(BOOT_PEAK_BUDGET);
    console.log('kaluma-net: heap peak while loading and booting ' + boot.mem!.peakAllocated + ' of ' + boot.mem!.heapSize +
      ' octets ' + JSON.stringify(boot.mem!.peaks) + '; plain kaluma.js ' + plain.mem!.peakAllocated + '; Kaluma\'s modules alone ' +
      modules.mem!.peakAllocated);
  });

  it('runs everything without an error or running out of heap', () => {
    for (const r of [fun, m20, m200, mPlain]) {
      expect(r.oom, r.stdout.slice(-2000) + r.stderr.slice(-2000)).toBe(false);
      expect(r.failed, r.stdout.slice(-2000) + r.stderr.slice(-2000)).toBe(false);
    }
    expect(o.boot).toEqual([expect.stringMatching(/profile kaluma-net, net and http$/)]);
    console.log('kaluma-net: heap peak of the functional run, the host in the same heap: ' + fun.mem!.peakAllocated + ' octets');
  });

  it('serves the page 20 times, byte for byte what Kaluma\'s http sends, each ended by the board\'s FIN', () => {
    expect(o.get.texts).toEqual({ [PAGE]: 20 });
    expect(o.get.fins).toBe(20);
    console.log('kaluma-net: GET / over the 115200-baud line model ' + median(o.get.vms).toFixed(1) + ' ms median (virtual, SYN to FIN), ' +
      (o.get.wall / 20).toFixed(1) + ' ms of wall time each (board and host interpreted under qemu)');
  });

  it('echoes to two clients at once, each its own bytes', () => {
    expect(o.two).toEqual([true, true, true, true, 700, 300]);
  });

  it('half-close: a client that shuts down right after sending 3,000 octets gets all of them back, then the board\'s FIN', () => {
    expect(o.half).toEqual([true, 3000, true]);
  });

  it('a board connect to a closed host port is an \'error\' event (ECONNREFUSED) and then \'close\'', () => {
    expect(o.refused).toEqual(['error ' + NL_ECONNREFUSED, 'close']);
  });

  it('the board\'s http.get fetches a page from the host', () => {
    expect(o.httpGet).toEqual([200, HOST_PAGE, true, 'GET /from-board HTTP/1.1\r\nhost: 192.168.190.1\r\n\r\n']);
  });

  it('200 requests: every one byte for byte, every slot back, the heap peak within budget and no higher than after 20 (within a collection interval)', () => {
    const a = tagged(m20.stdout).mem as Mem;
    const b = tagged(m200.stdout).mem as Mem;
    expect(a.texts).toEqual({ [PAGE]: 20 });
    expect(b.texts).toEqual({ [PAGE]: 200 });
    expect(b.bad).toBe(0);
    const text = m200.stdout.slice(m200.stdout.indexOf('@@netstat-begin'), m200.stdout.indexOf('@@netstat-end'));
    const rows = text.split(/\r?\n/).filter((l) => /^[A-Z][A-Z-]+ +\d+ +\d+ /.test(l));
    expect(rows.filter((l) => l.startsWith('LISTEN')).length, text).toBe(2);
    expect(rows.every((l) => l.startsWith('LISTEN') || l.startsWith('TIME-WAIT')), text).toBe(true);
    const p20 = m20.mem!.peakAllocated;
    const p200 = m200.mem!.peakAllocated;
    console.log('kaluma-net: heap peak over 20 requests ' + p20 + ', over 200 ' + p200 + ' octets (plain kaluma.js over 20 of its own: ' +
      mPlain.mem!.peakAllocated + '); ' + (b.wall / 200).toFixed(1) + ' ms of wall time per GET (board and peer interpreted under qemu)');
    expect(p200).toBeLessThanOrEqual(REQUEST_PEAK_BUDGET);
    // Flat: the two peaks may fall on different phases of the collection cycle (measured on one
    // build: 138,864 after 20, 143,808 after 200), so one interval is allowed; 180 more
    // requests leaking 32 octets each would pass it.
    expect(p200).toBeLessThanOrEqual(p20 + GC_INTERVAL);
  });
});
