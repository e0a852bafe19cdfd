/**
 * API misuse (src/check.ts): every public call validates its integers, ranges, buffers,
 * handles and addresses, throws a StackError with an errno code, and puts nothing on the wire.
 * Each case below once did something worse (issue 9, items 4-7): hung the output loop, sent
 * zeros the application never wrote, consumed data it did not deliver, or reached a martian.
 */
import { describe, expect, it } from 'vitest';
import { createPair, connectPair } from './tcp/pair.js';
import * as C from '../src/tcp/constants.js';
import * as E from '../src/errno.js';
import * as ipv4 from '../src/wire/ipv4.js';
import * as stats from '../src/stats.js';
import type { Pair } from './tcp/pair.js';

/** An established connection a -> b with a's handle c and b's accepted handle s. */
function established(): { p: Pair; c: number; s: number } {
  const p = createPair();
  const { c, s } = connectPair(p);
  return { p, c, s };
}

/** Expect fn to throw a StackError with this errno, and a's line to carry nothing new. */
function refused(p: Pair, code: number, fn: () => unknown): void {
  const before = p.a.counters[stats.CNT_TX_PACKETS];
  let err: unknown = null;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(E.StackError);
  expect((err as E.StackError).code).toBe(code);
  expect(p.a.counters[stats.CNT_TX_PACKETS]).toBe(before);
}

describe('lengths and offsets', () => {
  it('a non-integer, NaN or infinite length is EINVAL before anything is queued (it used to spin the output loop)', () => {
    const { p, c } = established();
    const buf = new Uint8Array(16);
    for (const len of [2.5, NaN, Infinity, -1]) refused(p, E.EINVAL, () => p.a.tcpWrite(c, buf, 0, len));
    for (const off of [0.5, NaN, -1, 17]) refused(p, E.EINVAL, () => p.a.tcpWrite(c, buf, off, 1));
    p.sim.run(p.now() + 1000);
    expect(p.a.counters[stats.CNT_TCP_SEGMENTS_SENT]).toBeGreaterThan(0);
    const out = new Int32Array(9);
    p.a.tcpEndpoint(c, out);
    expect(out[6]).toBe(0); // Send-Q: nothing was queued
  });

  it('a read range past the buffer is EINVAL and consumes nothing', () => {
    const { p, c, s } = established();
    const msg = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(p.b.tcpWrite(s, msg, 0, msg.length)).toBe(12);
    p.sim.run(p.now() + 500);
    const small = new Uint8Array(10);
    refused(p, E.EINVAL, () => p.a.tcpRead(c, small, 0, 100));
    refused(p, E.EINVAL, () => p.a.tcpRead(c, small, 5, 6));
    refused(p, E.EINVAL, () => p.a.tcpRead(c, small, 0, NaN));
    const all = new Uint8Array(12);
    expect(p.a.tcpRead(c, all, 0, 12)).toBe(12);
    expect(Array.from(all)).toEqual(Array.from(msg));
  });

  it('a write range past the buffer is EINVAL: no zeros the application never wrote', () => {
    const { p, c } = established();
    refused(p, E.EINVAL, () => p.a.tcpWrite(c, new Uint8Array(10), 0, 11));
    refused(p, E.EINVAL, () => p.a.tcpWrite(c, new Uint8Array(10), 8, 3));
  });

  it('data that is not a Uint8Array (a string, an array) is EINVAL', () => {
    const { p, c } = established();
    refused(p, E.EINVAL, () => p.a.tcpWrite(c, 'hello' as unknown as Uint8Array, 0, 5));
    refused(p, E.EINVAL, () => p.a.tcpWrite(c, [1, 2, 3] as unknown as Uint8Array, 0, 3));
    refused(p, E.EINVAL, () => p.a.udpSend(p.addrB, 7, 7, 'hi' as unknown as Uint8Array, 0, 2));
  });

  it('udpSend and ping with a negative or fractional length put nothing on the wire', () => {
    const p = createPair();
    const buf = new Uint8Array(8);
    refused(p, E.EINVAL, () => p.a.udpSend(p.addrB, 7, 7, buf, 0, -4));
    refused(p, E.EINVAL, () => p.a.udpSend(p.addrB, 7, 7, buf, 0, 1.5));
    refused(p, E.EINVAL, () => p.a.ping(p.addrB, 1, 1, buf, 0, -4));
    refused(p, E.EINVAL, () => p.a.ping(p.addrB, 1, 1, buf, 2, 7));
    refused(p, E.EINVAL, () => p.a.ping(p.addrB, 70000, 1, buf, 0, 1));
  });
});

describe('handles and other integers', () => {
  it('fractional and out-of-range handles are EBADF everywhere', () => {
    const { p, c } = established();
    const out = new Int32Array(9);
    refused(p, E.EBADF, () => p.a.tcpState(1.5));
    refused(p, E.EBADF, () => p.a.tcpState(99));
    refused(p, E.EBADF, () => p.a.tcpEndpoint(99, out));
    refused(p, E.EBADF, () => p.a.tcpCongestion(99, out));
    refused(p, E.EBADF, () => p.a.tcpCongestion(c + 0.5, out));
    refused(p, E.EBADF, () => p.a.tcpAccept(C.LISTENER_BASE + 0.5));
    refused(p, E.EBADF, () => p.a.tcpRead(c + 0.5, new Uint8Array(1), 0, 1));
  });

  it('listener and connection handles never collide: closing a listener handle is EBADF, not a close of slot 0', () => {
    const { p, c } = established();
    const l = p.a.tcpListen(8080, 1);
    expect(l).toBeGreaterThanOrEqual(C.LISTENER_BASE);
    expect(p.a.tcpState(l)).toBe(C.LISTEN);
    refused(p, E.EBADF, () => p.a.tcpClose(l));
    refused(p, E.EBADF, () => p.a.tcpUnlisten(c));
    expect(p.a.tcpState(c)).toBe(C.ESTABLISHED);
  });

  it('fractional backlogs and ports are EINVAL', () => {
    const p = createPair();
    refused(p, E.EINVAL, () => p.a.tcpListen(80, 1.5));
    refused(p, E.EINVAL, () => p.a.tcpListen(80.5, 1));
    refused(p, E.EINVAL, () => p.a.udpSend(p.addrB, 1.5, 7, new Uint8Array(1), 0, 1));
    refused(p, E.EINVAL, () => p.a.udpBind(0, () => {}));
    refused(p, E.EINVAL, () => p.a.tcpConnect(p.addrB, 80, 1.5));
    refused(p, E.EINVAL, () => p.a.tcpSetR2(0, 0.5));
  });
});

describe('martian destinations (RFC 1122 §3.2.1.3)', () => {
  it('0.0.0.0/8, 127.0.0.0/8, our own address and numbers past 32 bits are refused as destinations', () => {
    const p = createPair();
    const bad = [0, ipv4.addr(0, 1, 2, 3), ipv4.addr(127, 0, 0, 1), ipv4.addr(127, 9, 9, 9), p.addrA, 2 ** 32 + 1, -(2 ** 31) - 1, 1.5];
    for (const a of bad) {
      refused(p, E.EINVAL, () => p.a.tcpConnect(a, 80, 0));
      refused(p, E.EINVAL, () => p.a.udpSend(a, 7, 7, new Uint8Array(1), 0, 1));
      refused(p, E.EINVAL, () => p.a.ping(a, 1, 1, new Uint8Array(1), 0, 1));
    }
    expect(p.a.tcpInUse()).toBe(0);
  });

  it('an unsigned 32-bit address is the same peer as its int32 form', () => {
    const p = createPair();
    expect(p.a.udpSend(p.addrB >>> 0, 7, 7, new Uint8Array(1), 0, 1)).toBe(1);
  });
});

describe('event handlers per listener and per connection', () => {
  it('a listener\'s handler gets EV_ACCEPTABLE and passes to the connections it accepts; the default sees none of it', () => {
    const p = createPair();
    const seen: string[] = [];
    p.b.onTcp((h, e) => seen.push('default ' + h + ' ' + C.EVENT_NAMES[e]));
    const mine: number[] = [];
    const la = p.b.tcpListen(80, 2, (h, e) => {
      seen.push('80 ' + C.EVENT_NAMES[e]);
      if (e === C.EV_ACCEPTABLE) for (let s = p.b.tcpAccept(h); s >= 0; s = p.b.tcpAccept(h)) mine.push(s);
    });
    const lb = p.b.tcpListen(81, 2, (h, e) => {
      seen.push('81 ' + C.EVENT_NAMES[e]);
      if (e === C.EV_ACCEPTABLE) for (let s = p.b.tcpAccept(h); s >= 0; s = p.b.tcpAccept(h)) p.b.tcpClose(s);
    });
    expect(lb).toBe(la + 1);
    const c = p.a.tcpConnect(p.addrB, 80, 0);
    const d = p.a.tcpConnect(p.addrB, 81, 0);
    p.sim.run(p.now() + 500);
    expect(mine).toHaveLength(1);
    p.a.tcpWrite(c, new Uint8Array([1, 2, 3]), 0, 3);
    p.sim.run(p.now() + 500);
    expect(seen).toContain('80 acceptable');
    expect(seen).toContain('81 acceptable');
    expect(seen).toContain('80 readable');
    expect(seen.filter((x) => x.startsWith('default'))).toEqual([]);
    expect(p.a.tcpState(d)).not.toBe(C.ESTABLISHED);
  });

  it('a connection\'s own handler (tcpConnect, tcpSetHandler) takes its events from the default', () => {
    const p = createPair();
    p.b.tcpListen(80, 2);
    const byDefault: number[] = [];
    const own: number[] = [];
    p.a.onTcp((_h, e) => byDefault.push(e));
    const c = p.a.tcpConnect(p.addrB, 80, 0, (_h, e) => own.push(e));
    p.sim.run(p.now() + 500);
    expect(own).toEqual([C.EV_CONNECTED]);
    const later: number[] = [];
    p.a.tcpSetHandler(c, (_h, e) => later.push(e));
    p.a.tcpAbort(c);
    expect(byDefault).toEqual([]);
    refused(p, E.EINVAL, () => p.a.tcpSetHandler(0, 'x' as unknown as () => void));
  });
});
