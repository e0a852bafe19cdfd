/** RFC 6528 ISNs (MUST-8, MUST-9) and SYN cookies (RFC 4987 §3.6), seen on the wire. */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';
import { PEER, rawPeer } from './peer.js';

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
  it('uses the peer MSS when it is smaller than ours', () => expect(sizes(100)).toEqual([100, 100, 100, 100, 100, 100]));
  it('defaults to 536 (capped by our 256) when absent or 0 (MUST-15)', () => {
    expect(sizes(0)).toEqual([256, 256, 88]);
  });
  it('raises a tiny MSS to the floor of 64', () => expect(sizes(1)).toEqual([64, 64, 64, 64, 64, 64, 64, 64, 64, 24]));
});
