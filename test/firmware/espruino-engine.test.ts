/**
 * The Espruino bundles on the real interpreter (Espruino 2v29 for Linux, i386, under
 * qemu-i386; ../shared/engines/README.md), loaded the way a user's "save to flash" loads them:
 * written into Storage, then `eval(require('Storage').read(...))`, with Serial1 mapped to a
 * pty. The host end is the project's own slipstack on the serialport HAL (bench/engines/host.ts).
 * For each Espruino bundle of bench/engines/boards.ts, on its test layout:
 * - it boots from Storage without running out of memory;
 * - it answers pings, and its JsVar usage after GC stays the same over more pings (a one-time
 *   growth at the first packet is allowed and reported);
 * - it echoes UDP (port 7), serves HTTP (port 80) and echoes TCP byte for byte (port 7);
 * - with the NETSTAT switch, `netstat()` on the REPL prints the table and the transitions.
 * Engines come from ../shared/engines or SLIPSTACK_ESPRUINO (bench/engines/locate.ts); without
 * them, qemu-i386 or socat the tests are skipped with the reason, and under CI=true they fail.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { EspruinoSession } from '../../bench/engines/espruino.js';
import type { EspruinoMemory, LoadResult } from '../../bench/engines/espruino.js';
import { ptyPair } from '../../tools/lab.js';
import type { PtyPair } from '../../tools/lab.js';
import { openHost, ping, udpEcho, tcpEcho, httpGet, pattern } from '../../bench/engines/host.js';
import type { Host } from '../../bench/engines/host.js';
import { nodePeer } from '../../bench/engines/peer-node.js';
import { payload } from '../../bench/engines/espruino-measure.js';
import { BOARD_BUNDLES } from '../../bench/engines/boards.js';
import type { EspruinoBundle } from '../../bench/engines/boards.js';
import { REPO, engineSkipReason, requireEnginesUnderCi } from '../../bench/engines/locate.js';
import { HTTP_BODY } from '../../firmware/app.js';
import { PROFILES } from '../../firmware/profiles.mjs';

/** Pings handed to the board in-engine for the flatness check (fewer than bench:board's 1,000). */
const FLAT_PINGS = 20;
/**
 * Octets of the TCP echo: four full segments (MSS 256), a full receive window. More is slow:
 * under qemu the board takes about a second per window, and the host's retransmissions while
 * it works make it slower still (bench:board reports 20 KB).
 */
const TCP_OCTETS = 1024;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Build a bundle with build.mjs (subset check included). */
function build(name: string): void {
  execFileSync(process.execPath, ['build.mjs', '--quiet', '--only=' + name], { cwd: REPO, stdio: 'pipe' });
}

/** One 56-octet echo request as the 8-bit string a serial read hands over. */
function pingFrame(): string {
  const peer = nodePeer();
  return Buffer.from(peer.slip(peer.echoRequest(0x5353, 1, payload(56)))).toString('latin1');
}

// The 'net' bundles (stock net and http) have their own test: test/firmware/espruino-net.test.ts.
const espruinoBundles = BOARD_BUNDLES.filter((b): b is EspruinoBundle => b.engine === 'espruino' && b.app !== 'net');

for (const b of espruinoBundles) {
  const reason = engineSkipReason({ espruino: b.testLayout, socat: true });
  requireEnginesUnderCi(reason);
  if (reason !== null) console.warn('skipping ' + b.name + ' on the real Espruino: ' + reason);

  describe.skipIf(reason !== null)(b.name + ' on Espruino (' + b.testLayout + ' JsVars), loaded from Storage, over a pty', () => {
    let session: EspruinoSession | null = null;
    let pair: PtyPair | null = null;
    let host: Host | null = null;
    let load: LoadResult;
    let afterBoot: EspruinoMemory;

    beforeAll(async () => {
      build(b.build);
      pair = await ptyPair('espruino-engine');
      session = await EspruinoSession.start({ layout: b.testLayout });
      await session.storeBundle(join(REPO, b.bundle));
      await session.mapSerial1(realpathSync(pair.b));
      load = await session.loadFromStorage();
      afterBoot = await session.memory();
      host = await openHost(pair.a);
    }, 120_000);

    afterAll(async () => {
      if (host !== null) await host.close();
      if (session !== null) await session.stop();
      if (pair !== null) await pair.stop();
    }, 30_000);

    it('boots from Storage without running out of memory', () => {
      expect(load.oom, load.output).toBe(false);
      expect(load.up, load.output).toBe(true);
      expect(afterBoot.total).toBe(b.testLayout);
      console.log(b.name + ' on ' + b.testLayout + ': ' + afterBoot.usage + ' JsVars used after boot, ' + afterBoot.free + ' free');
    });

    it('answers pings of 0, 56 and 200 octets, payload intact', async () => {
      for (const size of [0, 56, 200]) {
        const r = await ping(host!, size);
        expect(r.attempts).toBeGreaterThanOrEqual(1);
      }
    }, 60_000);

    it('keeps its JsVar usage flat over ' + FLAT_PINGS + ' more pings (after GC)', async () => {
      // Pings handed to Serial1's listener in the engine (no pty in between, so the readings
      // compare the same path): one to settle, then the rest.
      expect(await session!.syntheticPings(pingFrame(), 1)).toBe(1);
      const warm = await session!.memory();
      expect(await session!.syntheticPings(pingFrame(), FLAT_PINGS)).toBe(FLAT_PINGS);
      const after = await session!.memory();
      expect(after.usage).toBe(warm.usage);
      // The first packets create a little state once (4-5 JsVars measured on today's bundle).
      expect(warm.usage - afterBoot.usage).toBeLessThanOrEqual(16);
      console.log(b.name + ': ' + afterBoot.usage + ' JsVars after boot, ' + warm.usage + ' after the first pings, ' +
        after.usage + ' after ' + FLAT_PINGS + ' more');
    }, 120_000);

    it('echoes a UDP datagram on port 7', async () => {
      const msg = new TextEncoder().encode('hello Espruino \xc0\xdb over SLIP');
      const got = await udpEcho(host!, msg);
      expect(Array.from(got)).toEqual(Array.from(msg));
    }, 60_000);

    it('serves the HTTP demo page on port 80 and closes', async () => {
      const r = await httpGet(host!);
      expect(r.text.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
      expect(r.text.endsWith('\r\n\r\n' + HTTP_BODY)).toBe(true);
      expect(r.closedCleanly).toBe(true);
    }, 90_000);

    it('echoes ' + TCP_OCTETS + ' octets over TCP on port 7, byte for byte', async () => {
      const data = pattern(TCP_OCTETS);
      const r = await tcpEcho(host!, data, 150_000);
      expect(r.got.length).toBe(data.length);
      expect(sha256(r.got)).toBe(sha256(data));
      console.log(b.name + ': TCP echo of ' + TCP_OCTETS + ' octets in ' + (r.ms / 1000).toFixed(1) + ' s');
    }, 180_000);

    if (PROFILES[b.build].features.NETSTAT) it('prints netstat() on the REPL: both listeners, and the transitions of the connections just served', async () => {
      // The echo's close may still be under way (LAST-ACK until the host's ACK crosses the
      // line, later on a loaded machine): ask again until it is done, for at most 15 s.
      const closed = / #\d+ +[A-Z-]+ -> CLOSED  /;
      let text = '';
      for (let i = 0; i < 60; i++) {
        text = await session!.run('netstat()');
        if (!PROFILES[b.build].features.TRACE || text.split(/\r?\n/).some((l) => closed.test(l))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      console.log(b.name + ' netstat():\n' + text);
      const lines = text.split(/\r?\n/);
      expect(lines.some((l) => /^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Timer$/.test(l))).toBe(true);
      expect(lines.some((l) => /^LISTEN +0 +0 +192\.168\.190\.2:7 +\*:\*$/.test(l))).toBe(true);
      expect(lines.some((l) => /^LISTEN +0 +0 +192\.168\.190\.2:80 +\*:\*$/.test(l))).toBe(true);
      if (PROFILES[b.build].features.TRACE) {
        expect(lines.some((l) => /^Last \d+ transitions \(of \d+\):$/.test(l))).toBe(true);
        // The echo and HTTP connections ended: the last transitions close them.
        expect(lines.some((l) => closed.test(l))).toBe(true);
      }
    }, 60_000);
  });
}
