/** RFC 6528 ISNs (MUST-8, MUST-9) and SYN cookies (RFC 4987 §3.6), seen on the wire. */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as E from '../../src/errno.js';
import * as stats from '../../src/stats.js';
import { PEER, rawPeer } from './peer.js';
import { icmpMessage } from '../helpers.js';

function synSeq(random: number, t: number, port = 80): number {
  const p = rawPeer({}, random);
  p.at(t);
  p.stack.tcpConnect(PEER, port, 5000);
  const [syn] = p.take();
  expect(syn.flags).toBe(tcpw.SYN);
  return syn.seq;
}

describe('RFC 6528 initial sequence numbers', () => {
  it('advance with a 4 µs clock for the same 4-tuple (MUST-8)', () => {
    expect((synSeq(7, 1000) - synSeq(7, 0)) | 0).toBe(250_000);
    expect((synSeq(7, 1) - synSeq(7, 0)) | 0).toBe(250);
  });
  it('differ by a keyed hash between 4-tuples and between secrets (MUST-9)', () => {
    const a = synSeq(7, 0, 80);
    const b = synSeq(7, 0, 81);
    const c = synSeq(8, 0, 80);
    expect(new Set([a, b, c]).size).toBe(3);
    // Not a counter: neighbouring 4-tuples are far apart.
    expect(Math.abs((a - b) | 0)).toBeGreaterThan(1000);
  });
});

describe('SYN cookies', () => {
  const handshake = (p: ReturnType<typeof rawPeer>, t: number) => {
    p.at(t);
    p.send({ flags: tcpw.SYN, seq: 1000, mss: 536 });
    const [sa] = p.take();
    return sa;
  };

  it('answer a SYN past the embryonic limit without taking a slot, and a good ACK makes an ESTABLISHED connection', () => {
    const p = rawPeer({ tcpMaxSynRcvd: 0 });
    const l = p.stack.tcpListen(80, 4);
    const sa = handshake(p, 5000);
    expect(sa.flags).toBe(tcpw.SYN | tcpw.ACK);
    expect(sa.ack).toBe(1001);
    expect(sa.mss).toBe(256);
    expect(p.stack.tcpInUse()).toBe(0);
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_SENT]).toBe(1);
    p.send({ flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 1) | 0 });
    const c = p.stack.tcpAccept(l);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_OK]).toBe(1);
    // The connection works: data from the peer is acknowledged and readable.
    p.send({ flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (sa.seq + 1) | 0, data: new Uint8Array([1, 2, 3]) });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 1004]]);
    const rx = new Uint8Array(8);
    expect(p.stack.tcpRead(c, rx, 0, 8)).toBe(3);
  });

  it('refuse a forged cookie and an expired one with a RST, creating nothing', () => {
    const p = rawPeer({ tcpMaxSynRcvd: 0 });
    p.stack.tcpListen(80, 4);
    const sa = handshake(p, 5000);
    p.send({ flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 2) | 0 });
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.RST]);
    p.at(5000 + 200_000); // two 64 s cookie slots later
    p.send({ flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 1) | 0 });
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.RST]);
    expect(p.stack.tcpInUse()).toBe(0);
  });
});

describe('MSS option (RFC 9293 §3.7.1, MUST-14..16, MUST-65)', () => {
  const sizes = (peerMss: number) => {
    const p = rawPeer();
    const c = p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = p.take();
    expect(syn.mss).toBe(256); // MTU 296 - 40 (MUST-67), on the SYN only
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, mss: peerMss, window: 60000, srcPort: 80, dstPort: 5000 });
    p.stack.tcpSetNoDelay(c, true);
    p.take();
    p.stack.tcpWrite(c, new Uint8Array(600), 0, 600);
    const segs = p.take();
    for (const s of segs) expect(s.mss).toBe(0); // MUST-65: never on a non-SYN
    return segs.map((s) => s.data.length);
  };
  // The first flight is also bounded by the RFC 5681 initial window, min(4·SMSS, max(2·SMSS, 4380)).
  it('uses the peer MSS when it is smaller than ours', () => expect(sizes(100)).toEqual([100, 100, 100, 100]));
  it('defaults to 536 (capped by our 256) when absent or 0 (MUST-15)', () => {
    expect(sizes(0)).toEqual([256, 256, 88]);
  });
  it('raises a tiny MSS to the floor of 64', () => expect(sizes(1)).toEqual([64, 64, 64, 64]));
});

describe('ICMP errors for TCP (MUST-54..56, RFC 5927)', () => {
  // An ICMP error from the network quoting the stack's own segment `seg` (a Seg we captured).
  const quote = (p: ReturnType<typeof rawPeer>, type: number, code: number, seq: number) => {
    const q = new Uint8Array(28);
    q[0] = 0x45; q[9] = 6;
    q.set([192, 168, 190, 2], 12); q.set([192, 0, 2, 1], 16);
    q[20] = 5000 >> 8; q[21] = 5000 & 0xff; q[22] = 0; q[23] = 80;
    q[24] = seq >>> 24; q[25] = (seq >>> 16) & 0xff; q[26] = (seq >>> 8) & 0xff; q[27] = seq & 0xff;
    p.hal.deliver(icmpMessage(type, code, q, { src: PEER }));
  };
  it('a port unreachable for our SYN refuses the connection; a forged sequence number is ignored', () => {
    const p = rawPeer();
    const c = p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = p.take();
    quote(p, 3, 3, (syn.seq + 100) | 0); // not a sequence number we sent: blind forgery
    expect(p.stack.tcpState(c)).toBe(C.SYN_SENT);
    expect(p.stack.drops[stats.DROP_ICMP_ERROR]).toBe(1);
    quote(p, 3, 3, syn.seq);
    expect(p.stack.tcpState(c)).toBe(C.CLOSED);
    expect(p.stack.tcpError(c)).toBe(E.ECONNREFUSED);
  });
  it('never aborts a synchronized connection: errors there are soft and only reported', () => {
    const p = rawPeer();
    const c = p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = p.take();
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 1, ack: (syn.seq + 1) | 0, srcPort: 80, dstPort: 5000 });
    for (const [t, code] of [[3, 0], [3, 1], [3, 3], [3, 4], [11, 0], [12, 0]]) quote(p, t, code, (syn.seq + 1) | 0);
    quote(p, 4, 0, (syn.seq + 1) | 0); // source quench: discarded before TCP sees it (MUST-55)
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    expect(p.stack.counters[stats.CNT_TCP_SOFT_ERRORS]).toBe(6);
    expect(p.stack.drops[stats.DROP_ICMP_SOURCE_QUENCH]).toBe(1);
    expect(p.stack.tcpError(c)).toBe(E.EHOSTUNREACH); // MUST-47: the application can learn of it
  });
});
