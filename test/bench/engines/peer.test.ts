/**
 * bench/engines/peer.js, drive.js and measure.js (the in-engine peer and measurements of the
 * engine tests and bench:board) against the stack itself in Node, so that the harness is
 * checked on every machine, with or without the real interpreters: the board is
 * `createStack(DEFAULT_CONFIG)` with the demo app behind a HAL that plays the Kaluma glue
 * (chunks in, writes out, a virtual clock whose due timers run on `__tick`). Also the plugin
 * log parser of bench/engines/run.ts.
 */
import { describe, it, expect } from 'vitest';
import { createStack } from '../../../src/stack.js';
import type { Receiver } from '../../../src/hal.js';
import { DEFAULT_CONFIG, HTTP_BODY, startApp } from '../../../firmware/app.js';
import { engineSource } from '../../../bench/engines/locate.js';
import { parsePluginLog, tagged } from '../../../bench/engines/run.js';
import { nodePeer } from '../../../bench/engines/peer-node.js';

/** What the in-engine files see of the glue, and what the test reads back. */
interface Harness {
  D: { labels: string[]; udpEcho(port: number, d: Uint8Array): Uint8Array | null; tcpConnect(l: number, p: number): Conn; tcpRun(c: Conn, d: Uint8Array | null, done: () => boolean, rounds: number): number; tcpClose(c: Conn, rounds: number): void };
  M: { pings(n: number, size: number, chunk: number, label: string | null): number; partial(n: number, len: number, label: string): number; open(lport: number): Conn; tcpRounds(c: Conn, n: number, size: number, chunk: number, label: string): number; data(n: number): Uint8Array };
  peer: { badFrames: number; tcpReceived(c: Conn): Uint8Array };
  marks: number;
  chunksSeen: number[];
}
interface Conn { state: string; rxLen: number; fin: boolean; rst: boolean; sink: unknown }

/** peer.js + drive.js + measure.js in Node, wired to a stack running the demo app. */
function harness(): Harness {
  let now = 1000;
  let rx: Receiver | null = null;
  const out: Uint8Array[] = [];
  const chunksSeen: number[] = [];
  const board = createStack(DEFAULT_CONFIG, {
    write: (buf, off, len) => { out.push(buf.slice(off, off + len)); },
    setReceiver: (r) => { rx = r; },
    now: () => now,
    random32: () => 0x2545f491,
  });
  const app = startApp(board.net);
  let deadline = app.poll(now);
  const h = { marks: 0, chunksSeen } as unknown as Harness;
  const glue = {
    __makeChunks: (bytes: Uint8Array, size: number): Uint8Array[] => {
      if (!size) return [bytes];
      const r: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) r.push(bytes.slice(i, i + size));
      return r;
    },
    __deliverChunks: (chunks: Uint8Array[]): void => {
      for (const c of chunks) {
        chunksSeen.push(c.length);
        rx!(c, 0, c.length);
        deadline = app.poll(now); // what the board HALs do after each chunk
      }
    },
    __takeOutput: (): Uint8Array[] => out.splice(0, out.length),
    __tick: (ms: number): void => {
      now += ms;
      if (deadline <= now) deadline = app.poll(now);
    },
    __mark: (): void => { h.marks++; },
  };
  const src = engineSource('peer.js') + '\n' + engineSource('drive.js') + '\n' + engineSource('measure.js') +
    '\nvar peer = makePeer([192, 168, 190, 1], [192, 168, 190, 2]); var D = makeDriver(peer);' +
    '\nreturn { peer: peer, D: D, M: makeMeasure(peer, D) };';
  const made = new Function(...Object.keys(glue), src)(...Object.values(glue)) as Pick<Harness, 'peer' | 'D' | 'M'>;
  return Object.assign(h, made);
}

describe('the in-engine peer and measurements, against the stack in Node', () => {
  it('pings whole and in chunks, with a window around each measured delivery', () => {
    const h = harness();
    expect(h.M.pings(3, 56, 0, 'ping56')).toBe(3);
    expect(h.M.pings(2, 256, 32, 'ping256c32')).toBe(2);
    expect(h.M.pings(1, 0, 1, 'ping0c1')).toBe(1);
    expect(h.M.partial(2, 32, 'partial32')).toBe(2);
    expect(h.D.labels).toEqual(['ping56', 'ping56', 'ping56', 'ping256c32', 'ping256c32', 'ping0c1', 'partial32', 'partial32']);
    expect(h.marks).toBe(2 * h.D.labels.length);
    expect(h.chunksSeen.filter((n) => n > 32)).toHaveLength(3); // only the whole 56-octet pings
    expect(h.peer.badFrames).toBe(0);
  });

  it('gets a UDP datagram echoed', () => {
    const h = harness();
    const d = h.M.data(100);
    expect(Array.from(h.D.udpEcho(40007, d)!)).toEqual(Array.from(d));
  });

  it('echoes 20 KB over TCP byte for byte, closes with FINs, and measures rounds of segment + ACK', () => {
    const h = harness();
    const big = new Uint8Array(20480).map((_, i) => (i * 13 + (i >> 8)) & 0xff);
    const c = h.D.tcpConnect(40001, 7);
    expect(c.state).toBe('ESTABLISHED');
    h.D.tcpRun(c, big, () => c.rxLen >= big.length, 5000);
    expect(Array.from(h.peer.tcpReceived(c))).toEqual(Array.from(big));
    h.D.tcpClose(c, 200);
    expect(c.fin).toBe(true);
    expect(c.rst).toBe(false);
    const e = h.M.open(40002);
    expect(h.M.tcpRounds(e, 3, 256, 0, 'tcp')).toBe(3);
    expect(h.M.tcpRounds(e, 1, 256, 32, 'tcpc32')).toBe(1);
    expect(h.D.labels).toEqual(['tcp-data', 'tcp-ack', 'tcp-data', 'tcp-ack', 'tcp-data', 'tcp-ack', 'tcpc32-data', 'tcpc32-ack']);
    expect(h.peer.badFrames).toBe(0);
  });

  it('fetches the HTTP demo page', () => {
    const h = harness();
    const c = h.D.tcpConnect(40003, 80);
    const req = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
    h.D.tcpRun(c, req, () => c.fin, 200);
    const text = new TextDecoder().decode(h.peer.tcpReceived(c));
    expect(text.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
    expect(text.endsWith('\r\n\r\n' + HTTP_BODY)).toBe(true);
  });

  it('builds frames the stack checks and answers from Node too (peer-node)', () => {
    const p = nodePeer();
    const frame = p.slip(p.echoRequest(1, 2, new Uint8Array([0xc0, 0xdb, 1])));
    expect(frame[0]).toBe(0xc0);
    expect(frame[frame.length - 1]).toBe(0xc0);
    // END and ESC inside are escaped (RFC 1055): no bare END between the delimiters.
    expect(Array.from(frame.subarray(1, frame.length - 1))).not.toContain(0xc0);
  });
});

describe('the plugin log and tagged output parsers', () => {
  it('reads windows, inclusive counts, profiles and the main thread', () => {
    const log = parsePluginLog('window 0 100\nincl 0 7\nsym 0 jsvLock 60\nsym 0 ? 40\nwindow 1 5\nincl 1 0\ninsns total 999\ninsns vcpu 0 900\ninsns vcpu 1 99\n');
    expect(log.windows).toEqual([100, 5]);
    expect(log.incl).toEqual([7, 0]);
    expect(log.profiles[0]).toEqual({ jsvLock: 60, '?': 40 });
    expect(log.mainInsns).toBe(900);
  });

  it('reads @@key json lines, ignoring \\r and 0xFF noise', () => {
    expect(tagged('junk\r\n\xff@@a {"x":1}\r\n>@@b 2\n@@c not json\n')).toEqual({ a: { x: 1 }, b: 2, c: 'not json' });
  });
});
