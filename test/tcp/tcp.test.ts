import { describe, expect, it } from 'vitest';
import { createPair, connectPair } from './pair.js';
import * as C from '../../src/tcp/constants.js';
import * as E from '../../src/errno.js';
import { StackError } from '../../src/errno.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as EV from '../../src/trace/events.js';

describe('TCP between two stacks', () => {
  it('connects, moves data both ways, and closes, leaving TIME-WAIT on the side that closed first', () => {
    const p = createPair({ msl: 1000 });
    const events: string[] = [];
    p.b.onTcp((c, e, d) => events.push(`b ${C.EVENT_NAMES[e]} ${c} ${d}`));
    const l = p.b.tcpListen(80, 2);
    const c = p.a.tcpConnect(p.addrB, 80, 0);
    expect(p.a.tcpState(c)).toBe(C.SYN_SENT);
    p.sim.runWhile(() => p.a.tcpState(c) !== C.ESTABLISHED, p.now() + 5000);
    expect(p.a.tcpState(c)).toBe(C.ESTABLISHED);
    let s = -1;
    p.sim.runWhile(() => (s = p.b.tcpAccept(l)) < 0, p.now() + 5000); // a's final ACK is still on the wire
    expect(s).toBeGreaterThanOrEqual(0);
    expect(p.b.tcpState(s)).toBe(C.ESTABLISHED);
    expect(events).toContain(`b acceptable ${l} 0`);

    const msg = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
    expect(p.a.tcpWrite(c, msg, 0, msg.length)).toBe(msg.length);
    const buf = new Uint8Array(2000);
    p.sim.runWhile(() => events.every((e) => !e.startsWith('b readable')), p.now() + 5000);
    const n = p.b.tcpRead(s, buf, 0, buf.length);
    expect(new TextDecoder().decode(buf.subarray(0, n))).toBe('GET / HTTP/1.0\r\n\r\n');

    const big = new Uint8Array(1000).map((_, i) => i * 13);
    expect(p.b.tcpWrite(s, big, 0, big.length)).toBe(1000);
    let got = 0;
    const rx = new Uint8Array(1000);
    p.sim.runWhile(() => {
      const r = p.a.tcpRead(c, rx, got, rx.length - got);
      if (r > 0) got += r;
      return got < 1000;
    }, p.now() + 10000);
    expect(got).toBe(1000);
    expect(rx).toEqual(big);

    p.a.tcpClose(c); // a closes first: FIN-WAIT-1, FIN-WAIT-2 ... TIME-WAIT
    p.sim.runWhile(() => p.b.tcpRead(s, buf, 0, 1) !== 0, p.now() + 5000);
    expect(p.b.tcpState(s)).toBe(C.CLOSE_WAIT);
    p.b.tcpClose(s);
    p.sim.runWhile(() => p.a.tcpCount(C.TIME_WAIT) === 0, p.now() + 5000);
    expect(p.a.tcpCount(C.TIME_WAIT)).toBe(1);
    p.sim.runWhile(() => p.b.tcpInUse() > 0, p.now() + 5000); // a's last ACK takes LAST-ACK to CLOSED
    expect(p.b.tcpInUse()).toBe(0);
    expect(p.a.tcpCount(C.TIME_WAIT)).toBe(1);
    p.sim.run(p.now() + 2100);
    expect(p.a.tcpInUse()).toBe(0);
  });

  it('refuses a connection to a port nobody listens on', () => {
    const p = createPair();
    const reasons: number[] = [];
    p.a.onTcp((_c, e, d) => { if (e === C.EV_CLOSED) reasons.push(d); });
    const c = p.a.tcpConnect(p.addrB, 81, 0);
    p.sim.run(p.now() + 1000);
    expect(p.a.tcpState(c)).toBe(C.CLOSED);
    expect(reasons).toEqual([C.REASON_REFUSED]);
    expect(p.a.tcpError(c)).toBe(E.ECONNREFUSED);
    p.a.tcpClose(c);
    expect(p.a.tcpInUse()).toBe(0);
  });

  it('gives API misuse a clear error', () => {
    const p = createPair();
    const l = p.b.tcpListen(80, 1);
    expect(l).toBe(C.LISTENER_BASE);
    expect(p.b.tcpListen(80, 1)).toBe(-E.EADDRINUSE);
    expect(() => p.b.tcpClose(l)).toThrow(expect.objectContaining({ code: E.EBADF }));
    expect(() => p.b.tcpAccept(0)).toThrow(expect.objectContaining({ code: E.EBADF }));
    expect(() => p.a.tcpRead(3, new Uint8Array(1), 0, 1)).toThrow(StackError);
    expect(() => p.a.tcpRead(3, new Uint8Array(1), 0, 1)).toThrow(/not an open connection/);
    const c = p.a.tcpConnect(p.addrB, 80, 0);
    p.sim.run(p.now() + 1000);
    p.a.tcpShutdown(c);
    expect(() => p.a.tcpWrite(c, new Uint8Array(1), 0, 1)).toThrow(/shut down for writing/);
    expect(() => p.a.tcpConnect(-1, 80, 0)).toThrow(/not a unicast address/);
    expect(() => p.a.tcpConnect(ipv4.addr(127, 0, 0, 1), 80, 0)).toThrow(/not a unicast address/);
  });
});

describe('why each segment was sent (stack.net.txReason)', () => {
  it('labels SYN, SYN-ACK, data, delayed ACK, FIN and a retransmission timeout; UDP is WHY_NONE', () => {
    const p = createPair({ tcpAckDelay: 50 });
    const whyA: number[] = [];
    const whyB: number[] = [];
    const wa = p.link.a.write.bind(p.link.a);
    const wb = p.link.b.write.bind(p.link.b);
    let dropNextFromA = false;
    p.link.a.write = (buf, off, len) => {
      whyA.push(p.a.net.txReason);
      if (dropNextFromA) { dropNextFromA = false; return; }
      wa(buf, off, len);
    };
    p.link.b.write = (buf, off, len) => { whyB.push(p.b.net.txReason); wb(buf, off, len); };
    const { c, s } = connectPair(p);
    dropNextFromA = true; // the first data segment is lost: the RTO resends it
    p.a.tcpWrite(c, new Uint8Array(10), 0, 10);
    p.sim.run(p.now() + 3000);
    p.a.tcpShutdown(c);
    p.sim.run(p.now() + 1000);
    p.a.udpSend(p.addrB, 9, 9, new Uint8Array(1), 0, 1);
    expect(whyA.slice(0, 4)).toEqual([EV.WHY_SYN, EV.WHY_ACK, EV.WHY_DATA, EV.WHY_RTO]);
    expect(whyA).toContain(EV.WHY_FIN);
    expect(whyA[whyA.length - 1]).toBe(EV.WHY_NONE);
    expect(whyB[0]).toBe(EV.WHY_SYN_ACK);
    expect(whyB).toContain(EV.WHY_DELAYED_ACK);
    expect(p.b.tcpState(s)).toBe(C.CLOSE_WAIT);
  });
});

describe('introspection for netstat and the teaching tools', () => {
  it('tcpTimers reports the running deadlines and counts; tcpListeners lists handle, port, backlog and queue', () => {
    const p = createPair({ tcpAckDelay: 50 });
    const l = p.b.tcpListen(80, 3);
    const ls = new Int32Array(8);
    expect(p.b.tcpListeners(ls)).toBe(1);
    expect(Array.from(ls.subarray(0, 4))).toEqual([l, 80, 3, 0]);
    const c = p.a.tcpConnect(p.addrB, 80, 0);
    p.sim.run(p.now() + 200);
    expect(p.b.tcpListeners(ls)).toBe(1);
    expect(ls[3]).toBe(1); // one connection waits to be accepted
    const tm = new Float64Array(9);
    p.a.tcpWrite(c, new Uint8Array(10), 0, 10);
    p.a.tcpTimers(c, tm);
    expect(tm[0]).toBeGreaterThan(p.now()); // the retransmission timer runs
    expect(tm[8]).toBeGreaterThan(0); // RTO
    p.a.tcpClose(c);
    p.sim.run(p.now() + 300);
    p.a.tcpTimers(c, tm);
    expect(p.a.tcpState(c)).toBe(C.FIN_WAIT_2);
    expect(tm[7]).toBeGreaterThan(p.now()); // the FIN-WAIT-2 limit of a closed connection
    expect(() => p.a.tcpTimers(c, new Float64Array(3))).toThrow(StackError);
  });

  it('connectFrom records one transition, LISTEN -> SYN-SENT', () => {
    const p = createPair();
    const l = p.a.tcpListen(7000, 1);
    const before = p.a.trace.total;
    const c = p.a.tcpConnectFrom(l, p.addrB, 80);
    expect(p.a.trace.total - before).toBe(1);
    const k = p.a.trace.size() - 1;
    expect([p.a.trace.conn(k), p.a.trace.from(k), p.a.trace.to(k), p.a.trace.cause(k)]).toEqual([c, C.LISTEN, C.SYN_SENT, EV.CAUSE_SEND]);
  });
});
