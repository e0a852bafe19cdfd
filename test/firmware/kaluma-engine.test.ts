/**
 * The Kaluma bundles on real JerryScript (2.4.0 as Kaluma 1.2.1 builds it for the RP2040,
 * 180 KB heap, i386, under qemu-i386; ../shared/engines/README.md), run the way Kaluma runs a
 * flashed program: the whole file, in strict mode, after what Kaluma provides (UART, timers,
 * millis, console: bench/engines/kaluma-stub.js). JerryScript's command line has no IO, so the
 * host end is the in-engine peer (bench/engines/peer.js, written from the RFCs apart from
 * src/wire) driving the board's UART listener synchronously, timers on a virtual clock.
 * For each Kaluma bundle of bench/engines/boards.ts:
 * - it boots, and the heap peak while loading and booting is reported (`--mem-stats`);
 * - it answers pings (whole frames and frames split into 1-octet chunks), echoes UDP (port 7),
 *   echoes 20 KB over TCP byte for byte (port 7) and closes with FINs, and serves HTTP (port 80);
 * - the instruction counts of its measured windows repeat exactly from run to run (what
 *   bench:board relies on; needs gcc for the qemu plugin).
 * Then every BUDGETS row with `maxPeak`. Engines come from ../shared/engines or SLIPSTACK_JERRY;
 * without them (or qemu-i386) the tests are skipped with the reason, and fail under CI=true.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { jerryRun } from '../../bench/engines/jerry.js';
import type { JerryResult } from '../../bench/engines/jerry.js';
import { tagged } from '../../bench/engines/run.js';
import { BOARD_BUNDLES, BUDGETS } from '../../bench/engines/boards.js';
import type { KalumaBundle } from '../../bench/engines/boards.js';
import { REPO, engineSkipReason, requireEnginesUnderCi, hasCc } from '../../bench/engines/locate.js';
import { DEFAULT_CONFIG, HTTP_BODY } from '../../firmware/app.js';
import { PROFILES } from '../../firmware/profiles.mjs';

/** The functional run, in the engine after the bundle: results as `@@key json` lines. */
const FUNCTIONAL = `
var peer = makePeer([192, 168, 190, 1], [192, 168, 190, 2]);
var D = makeDriver(peer);
var M = makeMeasure(peer, D);
print('@@ping ' + JSON.stringify([M.pings(5, 0, 0, null), M.pings(5, 56, 0, null), M.pings(3, 256, 0, null), M.pings(2, 56, 1, null)]));
var u = D.udpEcho(40007, M.data(100));
var uok = u !== null && u.length === 100;
for (var i = 0; uok && i < 100; i++) uok = u[i] === M.data(100)[i];
print('@@udp ' + JSON.stringify(uok));
var N = 20480, big = new Uint8Array(N), x = 12345;
for (var i = 0; i < N; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; big[i] = x & 255; }
var c = D.tcpConnect(40001, 7);
var same = true;
c.sink = function (b, o, n) { for (var i = 0; i < n; i++) if (b[o + i] !== big[c.rxLen + i]) same = false; };
D.tcpRun(c, big, function () { return c.rxLen >= N; }, 5000);
D.tcpClose(c, 200);
print('@@tcp ' + JSON.stringify({ state: c.state, len: c.rxLen, same: same, fin: c.fin, rst: c.rst }));
var h = D.tcpConnect(40002, 80);
var req = 'GET / HTTP/1.0\\r\\nHost: ${DEFAULT_CONFIG.addr}\\r\\n\\r\\n', rb = new Uint8Array(req.length);
for (var i = 0; i < req.length; i++) rb[i] = req.charCodeAt(i);
D.tcpRun(h, rb, function () { return h.fin; }, 200);
var resp = peer.tcpReceived(h), s = '';
for (var i = 0; i < resp.length; i++) s += String.fromCharCode(resp[i]);
D.tcpClose(h, 200);
print('@@http ' + JSON.stringify({ text: s, fin: h.fin, rst: h.rst }));
print('@@bad ' + peer.badFrames);
if (typeof netstat === 'function') { print('@@netstat-begin 0'); netstat(); print('@@netstat-end 0'); }
`;

/** A short measured sequence (bench:board runs the long one). */
const COUNTED = `
var peer = makePeer([192, 168, 190, 1], [192, 168, 190, 2]);
var D = makeDriver(peer), M = makeMeasure(peer, D);
D.calibrate('empty');
M.pings(2, 56, 0, 'ping56');
M.partial(2, 32, 'partial32');
M.tcpRounds(M.open(40001), 2, 256, 0, 'tcp256');
print('@@labels ' + JSON.stringify(D.labels));
`;

function build(name: string): void {
  execFileSync(process.execPath, ['build.mjs', '--quiet', '--only=' + name], { cwd: REPO, stdio: 'pipe' });
}

const kalumaBundles = BOARD_BUNDLES.filter((b): b is KalumaBundle => b.engine === 'jerry' && b.app !== 'net');
const reason = engineSkipReason({ jerry: 'jerry-kaluma' });
requireEnginesUnderCi(reason);
if (reason !== null) console.warn('skipping the Kaluma bundles on real JerryScript: ' + reason);

for (const b of kalumaBundles) {
  describe.skipIf(reason !== null)(b.name + ' on JerryScript 2.4 (Kaluma 1.2.1, 180 KB heap)', () => {
    let boot: JerryResult;
    let run: JerryResult;
    let out: Record<string, unknown>;

    beforeAll(async () => {
      build(b.build);
      const bundle = join(REPO, b.bundle);
      boot = await jerryRun({ bundle, code: 'print("@@booted " + JSON.stringify(__log));', memStats: true });
      run = await jerryRun({ bundle, code: FUNCTIONAL, peer: true, memStats: true });
      out = tagged(run.stdout);
    }, 120_000);

    it('boots and reports its heap peak while loading and booting', () => {
      expect(boot.failed, boot.stdout + boot.stderr).toBe(false);
      expect(tagged(boot.stdout).booted).toEqual([expect.stringMatching(new RegExp('^slipstack: 192\\.168\\.190\\.2 up, \\d+ bytes of stack RAM, profile ' + b.build + '$'))]);
      expect(boot.mem).not.toBeNull();
      expect(boot.mem!.heapSize).toBe(184312);
      expect(boot.mem!.peakAllocated).toBeGreaterThan(0);
      expect(boot.mem!.peakAllocated).toBeLessThanOrEqual(boot.mem!.heapSize);
      console.log(b.name + ': JerryScript heap peak while loading and booting ' + boot.mem!.peakAllocated + ' of ' +
        boot.mem!.heapSize + ' octets ' + JSON.stringify(boot.mem!.peaks));
    });

    it('runs the exchanges without an error or running out of heap', () => {
      expect(run.oom, run.stdout + run.stderr).toBe(false);
      expect(run.failed, run.stdout + run.stderr).toBe(false);
      expect(out.bad).toBe(0);
      console.log(b.name + ': heap peak with the peer and 20 KB of TCP ' + run.mem!.peakAllocated + ' octets');
    });

    it('answers pings of 0, 56 and 256 octets, and pings that arrive one octet at a time', () => {
      expect(out.ping).toEqual([5, 5, 3, 2]);
    });

    it('echoes a UDP datagram on port 7', () => {
      expect(out.udp).toBe(true);
    });

    it('echoes 20 KB over TCP on port 7 byte for byte, then closes with FINs both ways', () => {
      expect(out.tcp).toEqual({ state: 'FIN-SENT', len: 20480, same: true, fin: true, rst: false });
    });

    if (PROFILES[b.build].features.NETSTAT) it('prints netstat(): both listeners and the transitions of the connections just served', () => {
      const text = run.stdout.slice(run.stdout.indexOf('@@netstat-begin'), run.stdout.indexOf('@@netstat-end'));
      console.log(b.name + ' netstat():\n' + text);
      const lines = text.split(/\r?\n/);
      expect(lines.some((l) => /^LISTEN +0 +0 +192\.168\.190\.2:7 +\*:\*$/.test(l))).toBe(true);
      expect(lines.some((l) => /^LISTEN +0 +0 +192\.168\.190\.2:80 +\*:\*$/.test(l))).toBe(true);
      expect(lines.some((l) => /^Last \d+ transitions \(of \d+\):$/.test(l))).toBe(true);
      expect(lines.some((l) => / #\d+ +[A-Z-]+ -> (CLOSED|TIME-WAIT)  /.test(l))).toBe(true);
    });

    it('serves the HTTP demo page on port 80 and closes', () => {
      const h = out.http as { text: string; fin: boolean; rst: boolean };
      expect(h.text.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
      expect(h.text.endsWith('\r\n\r\n' + HTTP_BODY)).toBe(true);
      expect(h.fin).toBe(true);
      expect(h.rst).toBe(false);
    });

    it.runIf(hasCc() || process.env.CI === 'true')('counts the same instructions in every measured window on a second run', async () => {
      const bundle = join(REPO, b.bundle);
      const first = await jerryRun({ bundle, code: COUNTED, peer: true, count: true });
      const second = await jerryRun({ bundle, code: COUNTED, peer: true, count: true });
      const labels = tagged(first.stdout).labels as string[];
      expect(labels).toEqual(['empty', 'ping56', 'ping56', 'partial32', 'partial32', 'tcp256-data', 'tcp256-ack', 'tcp256-data', 'tcp256-ack']);
      expect(first.windows).toHaveLength(labels.length);
      expect(second.windows).toEqual(first.windows);
      // A ping costs far more than the empty window that measures the marks themselves.
      expect(first.windows[1]).toBeGreaterThan(10 * first.windows[0]);
    }, 120_000);
  });
}

for (const row of BUDGETS.filter((r) => r.maxPeak !== undefined && kalumaBundles.some((b) => b.name === r.bundle))) {
  const b = kalumaBundles.find((x) => x.name === row.bundle)!;
  describe.skipIf(reason !== null)('budget: ' + b.name + ' on jerry-kaluma', () => {
    it('peaks at most ' + row.maxPeak + ' heap octets while loading and booting', async () => {
      build(b.build);
      const r = await jerryRun({ bundle: join(REPO, b.bundle), code: '', memStats: true });
      expect(r.failed, r.stdout + r.stderr).toBe(false);
      expect(r.mem!.peakAllocated).toBeLessThanOrEqual(row.maxPeak!);
    }, 120_000);
  });
}
