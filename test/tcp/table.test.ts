/** The fixed table's policy when it is full (issue: recycle TIME-WAIT first, never evict ESTABLISHED). */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as E from '../../src/errno.js';
import * as stats from '../../src/stats.js';
import { CAUSE_RECYCLE } from '../../src/trace/events.js';
import { PEER, rawPeer, passiveOpen } from './peer.js';

/** Open a passive connection from peer port `port` (ISN 100) and take it to ESTABLISHED; returns the handle. */
function establish(p: ReturnType<typeof rawPeer>, l: number, port: number): number {
  return passiveOpen(p, { l, port, isn: 100 }).c;
}

/** Close actively and finish the exchange so the slot sits in TIME-WAIT. */
function toTimeWait(p: ReturnType<typeof rawPeer>, c: number, port: number): void {
  p.stack.tcpClose(c);
  const [fin] = p.take();
  expect(fin.flags).toBe(tcpw.FIN | tcpw.ACK);
  p.send({ flags: tcpw.FIN | tcpw.ACK, seq: 101, ack: (fin.seq + 1) | 0, srcPort: port });
  p.take();
  expect(p.stack.tcpState(c)).toBe(C.TIME_WAIT);
}

describe('a full connection table', () => {
  it('recycles the oldest TIME-WAIT slot for a new connection', () => {
    const p = rawPeer({ tcpConns: 3, tcpMaxSynRcvd: 3 });
    const l = p.stack.tcpListen(80, 3);
    const c1 = establish(p, l, 1001);
    p.at(10);
    toTimeWait(p, c1, 1001);
    const c2 = establish(p, l, 1002);
    p.at(20);
    toTimeWait(p, c2, 1002);
    const c3 = establish(p, l, 1003);
    expect(p.stack.tcpInUse()).toBe(3);
    // Full: the next SYN takes the oldest TIME-WAIT (c1's), not c2's, and never c3 (ESTABLISHED).
    p.at(30);
    const c4 = establish(p, l, 1004);
    expect(c4).toBe(c1);
    expect(p.stack.tcpState(c2)).toBe(C.TIME_WAIT);
    expect(p.stack.tcpState(c3)).toBe(C.ESTABLISHED);
    const t = p.stack.trace;
    const recycled = [...Array(t.size()).keys()].filter((k) => t.cause(k) === CAUSE_RECYCLE).map((k) => [t.conn(k), t.from(k), t.to(k)]);
    expect(recycled).toEqual([[c1, C.TIME_WAIT, C.CLOSED]]);
  });

  it('never evicts an ESTABLISHED connection: a SYN gets a cookie instead, and an active open is refused with ENOBUFS', () => {
    const p = rawPeer({ tcpConns: 2, tcpMaxSynRcvd: 2 });
    const l = p.stack.tcpListen(80, 4);
    const a = establish(p, l, 2001);
    const b = establish(p, l, 2002);
    p.send({ flags: tcpw.SYN, seq: 5, srcPort: 2003 });
    const [sa] = p.take();
    expect(sa.flags).toBe(tcpw.SYN | tcpw.ACK);
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_SENT]).toBe(1);
    expect([p.stack.tcpState(a), p.stack.tcpState(b)]).toEqual([C.ESTABLISHED, C.ESTABLISHED]);
    // The cookie's ACK finds no free slot: dropped and counted; the two connections stay.
    p.send({ flags: tcpw.ACK, seq: 6, ack: (sa.seq + 1) | 0, srcPort: 2003 });
    expect(p.stack.drops[stats.DROP_TCP_TABLE_FULL]).toBe(1);
    expect(p.stack.tcpConnect(PEER, 9, 0)).toBe(-E.ENOBUFS);
    expect([p.stack.tcpState(a), p.stack.tcpState(b)]).toEqual([C.ESTABLISHED, C.ESTABLISHED]);
  });

  it('bounds SYN-RECEIVED entries; without cookies the extra SYNs are dropped and counted', () => {
    const p = rawPeer({ tcpConns: 4, tcpMaxSynRcvd: 1, tcpSynCookies: false });
    p.stack.tcpListen(80, 4);
    p.send({ flags: tcpw.SYN, seq: 1, srcPort: 3001 });
    p.send({ flags: tcpw.SYN, seq: 1, srcPort: 3002 });
    expect(p.stack.tcpCount(C.SYN_RECEIVED)).toBe(1);
    expect(p.stack.drops[stats.DROP_TCP_BACKLOG]).toBe(1);
    expect(p.take()).toHaveLength(1);
  });
});

describe('the backlog bounds the accept queue only', () => {
  it('spoofed half-open entries do not fill a listener\'s backlog: a real client still gets in (by slot, then by cookie)', () => {
    const p = rawPeer({ tcpConns: 8, tcpMaxSynRcvd: 2 });
    const l = p.stack.tcpListen(80, 2);
    // Two spoofed SYNs that will never complete: they take the two embryonic places.
    p.send({ flags: tcpw.SYN, seq: 1, srcPort: 1177 });
    p.send({ flags: tcpw.SYN, seq: 1, srcPort: 1178 });
    p.take();
    expect(p.stack.tcpCount(C.SYN_RECEIVED)).toBe(2);
    // A real client: no embryonic place left, so a SYN cookie; its ACK must be accepted
    // (the accept queue is empty, whatever the half-open entries).
    p.send({ flags: tcpw.SYN, seq: 5000, srcPort: 2000, mss: 536 });
    const [sa] = p.take();
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_SENT]).toBe(1);
    p.send({ flags: tcpw.ACK, seq: 5001, ack: (sa.seq + 1) | 0, srcPort: 2000 });
    expect(p.stack.drops[stats.DROP_TCP_BACKLOG]).toBe(0);
    const c = p.stack.tcpAccept(l);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    // And the accept queue really is bounded by the backlog: two established, unaccepted
    // connections fill it; a third valid cookie ACK is refused and counted.
    for (const port of [2001, 2002, 2003]) {
      p.send({ flags: tcpw.SYN, seq: 7000, srcPort: port, mss: 536 });
      const [s2] = p.take();
      p.send({ flags: tcpw.ACK, seq: 7001, ack: (s2.seq + 1) | 0, srcPort: port });
    }
    expect(p.stack.drops[stats.DROP_TCP_BACKLOG]).toBe(1);
  });
});
