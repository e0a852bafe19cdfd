/**
 * RFC 9293 MUSTs that no other test showed on the wire (docs/CONFORMANCE.md maps all 69).
 *
 * Each `describe` names the MUST(s) it shows. The stack runs on a capture HAL (test/tcp/peer.ts
 * `rawPeer`): segments are built here byte by byte when a test needs what `rawPeer.send` cannot
 * express (arbitrary options, a bad checksum, odd IP addresses, IP options), and the stack's
 * answers are read straight from the packets it wrote. Test-only code: allocates freely.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tcpw from '../../src/wire/tcp.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as icmp from '../../src/wire/icmp.js';
import * as stats from '../../src/stats.js';
import * as C from '../../src/tcp/constants.js';
import * as E from '../../src/errno.js';
import { StackError } from '../../src/errno.js';
import { PEER, rawPeer, passiveOpen } from '../tcp/peer.js';
import type { RawPeer, Seg } from '../tcp/peer.js';
import { BOARD, icmpMessage, ipPacket, refreshIpChecksum } from '../helpers.js';

/** A segment described field by field; anything left out takes a harmless default. */
interface Raw {
  src?: number;
  dst?: number;
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  flags: number;
  window?: number;
  urgent?: number;
  /** Option octets exactly as they go on the wire (a multiple of 4 long). */
  options?: number[];
  data?: Uint8Array;
  /** Flip one bit of the checksum after computing it. */
  badChecksum?: boolean;
  /** IP option octets (a multiple of 4 long), inserted after the 20-octet IP header. */
  ipOptions?: number[];
}

/** The IPv4 packet carrying the segment `r` (checksums right unless asked otherwise). */
function rawPacket(r: Raw): Uint8Array {
  const src = r.src ?? PEER;
  const dst = r.dst ?? BOARD;
  const opts = r.options ?? [];
  expect(opts.length % 4).toBe(0);
  const data = r.data ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const t = new Uint8Array(hl + data.length);
  const sp = r.srcPort ?? 40000;
  const dp = r.dstPort ?? 80;
  const seq = r.seq ?? 0;
  const ack = r.ack ?? 0;
  const win = r.window ?? 1000;
  const urg = r.urgent ?? 0;
  t.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff,
    (seq >>> 24) & 0xff, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff,
    (ack >>> 24) & 0xff, (ack >>> 16) & 0xff, (ack >>> 8) & 0xff, ack & 0xff,
    (hl >> 2) << 4, r.flags, win >> 8, win & 0xff, 0, 0, urg >> 8, urg & 0xff]);
  t.set(opts, 20);
  t.set(data, hl);
  tcpw.fillChecksum(t, 0, t.length, src, dst);
  if (r.badChecksum) t[17] ^= 0x01;
  const p = ipPacket({ src, dst, protocol: ipv4.PROTO_TCP }, t);
  if (!r.ipOptions) return p;
  const io = r.ipOptions;
  expect(io.length % 4).toBe(0);
  const q = new Uint8Array(p.length + io.length);
  q.set(p.subarray(0, 20), 0);
  q.set(io, 20);
  q.set(p.subarray(20), 20 + io.length);
  q[0] = 0x40 | ((20 + io.length) >> 2);
  q[2] = q.length >> 8;
  q[3] = q.length & 0xff;
  return refreshIpChecksum(q);
}

/** Deliver the segment `r` to the stack. */
function raw(p: RawPeer, r: Raw): void {
  p.hal.deliver(rawPacket(r));
}

/** A listener on port 80, and one connection from PEER:srcPort (ISN 1000) taken to ESTABLISHED and accepted. */
function passive(p: RawPeer, synOptions: number[] = [], window = 1000, srcPort = 40000, l = -1): { c: number; iss: number; l: number } {
  return passiveOpen(p, {
    l: l < 0 ? undefined : l, port: srcPort, isn: 1000, window,
    sendSyn: () => raw(p, { flags: tcpw.SYN, seq: 1000, window, options: synOptions, srcPort }),
  });
}

/** An active open from local port 5000 to PEER:80, answered with a SYN-ACK (peer ISN 7000); returns the handle and our ISS. */
function active(p: RawPeer, peerMss: number, window: number): { c: number; iss: number } {
  const c = p.stack.tcpConnect(PEER, 80, 5000);
  const [syn] = p.take();
  expect(syn.flags).toBe(tcpw.SYN);
  p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, mss: peerMss, window, srcPort: 80, dstPort: 5000 });
  expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
  p.take(); // the handshake's ACK
  return { c, iss: syn.seq };
}

/**
 * Play a well-behaved receiver for the data the stack sends on a connection: acknowledge
 * everything that arrives, with `window`, until nothing more comes (the clock advances a little
 * when the stack is quiet, for timers such as Nagle's or SWS's). Returns the first transmission
 * of each data segment, in order.
 */
function drain(p: RawPeer, peerSeq: number, window: number, srcPort: number, dstPort: number, firstSeq: number): Seg[] {
  const got: Seg[] = [];
  let next = firstSeq;
  for (let round = 0; round < 200; round++) {
    let segs = p.take();
    if (segs.length === 0) {
      p.at(p.hal.time + 300);
      segs = p.take();
    }
    if (segs.length === 0) break;
    for (const s of segs) {
      if (s.data.length > 0 && s.seq === next) {
        got.push(s);
        next = (next + s.data.length) | 0;
      }
    }
    p.send({ flags: tcpw.ACK, seq: peerSeq, ack: next, window, srcPort, dstPort });
  }
  return got;
}

/** Every TCP segment the stack wrote, parsed from the raw packets (nothing skipped). */
function wirePackets(p: RawPeer): Uint8Array[] {
  return p.hal.sent.filter((q) => q[9] === ipv4.PROTO_TCP);
}

/** RFC 1071 written out the textbook way, independently of src/wire/checksum.ts. */
function textbookTcpChecksumOk(pkt: Uint8Array): boolean {
  const ihl = (pkt[0] & 0x0f) * 4;
  const total = (pkt[2] << 8) | pkt[3];
  const tcpLen = total - ihl;
  const words: number[] = [];
  for (let k = 12; k < 20; k += 2) words.push((pkt[k] << 8) | pkt[k + 1]); // source, destination
  words.push(ipv4.PROTO_TCP, tcpLen);
  for (let k = 0; k < tcpLen; k += 2) words.push((pkt[ihl + k] << 8) | (k + 1 < tcpLen ? pkt[ihl + k + 1] : 0));
  let s = 0;
  for (const w of words) {
    s += w;
    s = (s & 0xffff) + (s >>> 16);
  }
  return s === 0xffff;
}

describe('MUST-1: the window field is an unsigned 16-bit number', () => {
  it('a peer window of 65535, 40000 or 32768 (top bit set) is a large window: all the data goes out', () => {
    for (const w of [65535, 40000, 32768]) {
      const p = rawPeer({ mtu: 1500, tcpSndBuf: 4000 });
      const { c, iss } = active(p, 1460, w);
      p.stack.tcpSetNoDelay(c, true);
      const msg = new Uint8Array(4000).map((_, k) => k * 7);
      expect(p.stack.tcpWrite(c, msg, 0, msg.length)).toBe(4000);
      const segs = drain(p, 7001, w, 80, 5000, (iss + 1) | 0);
      const bytes = segs.reduce((a, s) => a + s.data.length, 0);
      // Read as a signed number, these windows would be negative and nothing would be sent.
      expect(bytes).toBe(4000);
      expect(Math.max(...segs.map((s) => s.data.length))).toBe(1460);
    }
  });

  it('our own window above 32767 is advertised as the unsigned value', () => {
    const p = rawPeer({ mtu: 1500, tcpRcvBuf: 40000 });
    p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = p.take();
    expect(syn.window).toBe(40000);
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, mss: 1460, window: 65535, srcPort: 80, dstPort: 5000 });
    p.take();
    p.send({ flags: tcpw.ACK | tcpw.PSH, seq: 7001, ack: (syn.seq + 1) | 0, window: 65535, srcPort: 80, dstPort: 5000, data: new Uint8Array(1000) });
    const [a] = p.take();
    expect([a.flags, a.ack, a.window]).toEqual([tcpw.ACK, 8001, 39000]);
  });
});

describe('MUST-2, MUST-45, MUST-65: what every segment we send looks like', () => {
  it('every segment (SYN, SYN-ACK, ACK, data, FIN, RST) has a checksum that verifies, our address as source, no URG, and an MSS option only with SYN', () => {
    const p = rawPeer();
    // Active open, data both ways, our FIN.
    const { c, iss } = active(p, 536, 4000);
    p.stack.tcpWrite(c, new Uint8Array([1, 2, 3, 4, 5]), 0, 5);
    p.send({ flags: tcpw.ACK | tcpw.PSH, seq: 7001, ack: (iss + 6) | 0, window: 4000, srcPort: 80, dstPort: 5000, data: new Uint8Array(33) });
    p.stack.tcpShutdown(c);
    p.take();
    // A passive open (SYN-ACK), a RST for a closed port, a RST|ACK for a SYN to a closed port.
    passive(p);
    p.send({ flags: tcpw.ACK, seq: 1, ack: 99, dstPort: 81 });
    p.send({ flags: tcpw.SYN, seq: 1, dstPort: 81 });
    const pkts = wirePackets(p);
    const seen = new Set<number>();
    for (const q of pkts) {
      const r = new tcpw.TcpRepr();
      expect(q[9]).toBe(ipv4.PROTO_TCP);
      expect(ipv4.srcAddr(q, 0)).toBe(BOARD); // MUST-45: the connection's (only) local address
      expect(tcpw.verifyChecksum(q, 20, q.length - 20, BOARD, PEER)).toBe(true);
      expect(textbookTcpChecksumOk(q)).toBe(true);
      expect(tcpw.parseInto(r, q, 20, q.length - 20, BOARD, PEER)).toBe(0);
      expect(r.flags & tcpw.URG).toBe(0); // we never send urgent data (MUST-62)
      expect(r.urgent).toBe(0);
      expect(r.mss > 0).toBe((r.flags & tcpw.SYN) !== 0); // MUST-65
      seen.add(r.flags & ~tcpw.PSH);
      if (r.payloadLen > 0) seen.add(-1);
    }
    for (const f of [tcpw.SYN, tcpw.SYN | tcpw.ACK, tcpw.ACK, -1, tcpw.FIN | tcpw.ACK, tcpw.RST, tcpw.RST | tcpw.ACK]) expect(seen.has(f)).toBe(true);
  });
});

describe('MUST-3: a segment whose checksum fails is dropped', () => {
  it('a SYN with a bad checksum makes no connection, is not answered, and is counted as tcp-checksum', () => {
    const p = rawPeer();
    p.stack.tcpListen(80, 2);
    raw(p, { flags: tcpw.SYN, seq: 1000, badChecksum: true });
    expect(p.hal.sent).toHaveLength(0);
    expect(p.stack.tcpInUse()).toBe(0);
    expect(p.stack.drops[stats.DROP_TCP_CHECKSUM]).toBe(1);
    expect(stats.DROP_NAMES[stats.DROP_TCP_CHECKSUM]).toBe('tcp-checksum');
    // The same SYN with a good checksum is answered.
    raw(p, { flags: tcpw.SYN, seq: 1000 });
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.SYN | tcpw.ACK]);
  });

  it('data with a bad checksum is neither delivered nor acknowledged; the good retransmission is', () => {
    const p = rawPeer();
    const { c, iss } = passive(p);
    const sent = p.hal.sent.length;
    const data = new Uint8Array([9, 8, 7, 6]);
    raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (iss + 1) | 0, data, badChecksum: true });
    expect(p.hal.sent.length).toBe(sent);
    expect(p.stack.tcpRead(c, new Uint8Array(8), 0, 8)).toBe(-E.EAGAIN);
    expect(p.stack.drops[stats.DROP_TCP_CHECKSUM]).toBe(1);
    raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (iss + 1) | 0, data });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 1005]]);
    const rx = new Uint8Array(8);
    expect(p.stack.tcpRead(c, rx, 0, 8)).toBe(4);
    expect([...rx.subarray(0, 4)]).toEqual([9, 8, 7, 6]);
  });
});

describe('MUST-4, MUST-6, MUST-64, MUST-69: options in a SYN', () => {
  /** The data segment sizes we send to a peer whose SYN carried `options` (MTU 1500, so only the peer's MSS limits them). */
  const sizesAfterSyn = (options: number[]) => {
    const p = rawPeer({ mtu: 1500, tcpSndBuf: 2000 });
    const { c, iss } = passive(p, options, 60000);
    p.stack.tcpSetNoDelay(c, true);
    p.stack.tcpWrite(c, new Uint8Array(600), 0, 600);
    return drain(p, 1001, 60000, 40000, 80, (iss + 1) | 0).map((s) => s.data.length);
  };

  it('MUST-4: NOP, MSS and EOL are understood: <nop,nop,mss 120,eol> gives 120-octet segments', () => {
    expect(sizesAfterSyn([1, 1, 2, 4, 0, 120, 0, 0])).toEqual([120, 120, 120, 120, 120]);
  });

  it('MUST-64: an MSS option at an odd offset (after one or three NOPs) is read', () => {
    expect(sizesAfterSyn([1, 2, 4, 0, 200, 1, 1, 1])).toEqual([200, 200, 200]);
    expect(sizesAfterSyn([1, 1, 1, 2, 4, 1, 0x2c, 0])).toEqual([300, 300]);
  });

  it('MUST-6: unknown options (kind 253, window scale, timestamps) are skipped, the MSS after them is used, and none is echoed; SACK-permitted, which we know, is answered', () => {
    const opts = [0xfd, 6, 1, 2, 3, 4, 4, 2, 3, 3, 7, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 2, 4, 0, 150, 0, 0, 0];
    expect(sizesAfterSyn(opts)).toEqual([150, 150, 150, 150]);
    const p = rawPeer();
    p.stack.tcpListen(80, 1);
    raw(p, { flags: tcpw.SYN, seq: 1000, options: opts });
    const [q] = wirePackets(p);
    expect(tcpw.flags(q, 20)).toBe(tcpw.SYN | tcpw.ACK);
    // 20 octets + our MSS option + SACK-permitted (RFC 2018 §2), nothing else.
    expect(tcpw.dataOffset(q, 20)).toBe(7);
    expect([...q.subarray(40, 48)]).toEqual([2, 4, 1, 0, 1, 1, 4, 2]); // mss 256, nop, nop, sackOK
    // With SACK switched off, SACK-permitted is one more option skipped: only the MSS goes back.
    const o = rawPeer({ tcpSack: false });
    o.stack.tcpListen(80, 1);
    raw(o, { flags: tcpw.SYN, seq: 1000, options: opts });
    const [q2] = wirePackets(o);
    expect(tcpw.dataOffset(q2, 20)).toBe(6);
    expect([...q2.subarray(40, 44)]).toEqual([2, 4, 1, 0]);
  });

  it('MUST-69: octets after EOL are padding, even when they would be a malformed option', () => {
    // MSS 100, EOL, then "kind 2, length 0" that must not be parsed.
    expect(sizesAfterSyn([2, 4, 0, 100, 0, 2, 0, 0xff])).toEqual([100, 100, 100, 100, 100, 100]);
  });
});

describe('MUST-5: an option may arrive in any segment', () => {
  it('data, a bare ACK and a FIN carrying options are all processed', () => {
    const p = rawPeer();
    const { c, iss } = passive(p);
    const ts = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0];
    raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (iss + 1) | 0, options: ts, data: new Uint8Array([1, 2, 3]) });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 1004]]);
    // Even an MSS option (which belongs in a SYN only) does not make a data segment unacceptable.
    raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1004, ack: (iss + 1) | 0, options: [2, 4, 0, 50], data: new Uint8Array([4, 5]) });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 1006]]);
    const rx = new Uint8Array(8);
    expect(p.stack.tcpRead(c, rx, 0, 8)).toBe(5);
    expect([...rx.subarray(0, 5)]).toEqual([1, 2, 3, 4, 5]);
    // A bare ACK with options acknowledges our data.
    p.stack.tcpWrite(c, new Uint8Array(10), 0, 10);
    expect(p.take().map((s) => s.data.length)).toEqual([10]);
    raw(p, { flags: tcpw.ACK, seq: 1006, ack: (iss + 11) | 0, options: ts });
    const ep = new Int32Array(8);
    p.stack.tcpEndpoint(c, ep);
    expect(ep[3]).toBe((iss + 11) | 0); // SND.UNA moved
    // A FIN with options closes the peer's side.
    raw(p, { flags: tcpw.FIN | tcpw.ACK, seq: 1006, ack: (iss + 11) | 0, options: [1, 1, 1, 0] });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 1007]]);
    expect(p.stack.tcpState(c)).toBe(C.CLOSE_WAIT);
  });
});

describe('MUST-7: an illegal option length is handled, never looped on', () => {
  const bad: [string, number[]][] = [
    ['MSS with length 0', [2, 0, 0, 0]],
    ['an unknown kind with length 1', [0xfe, 1, 0, 0]],
    ['a kind in the last header octet, its length outside the header', [1, 1, 1, 0xfe]],
    ['timestamps running past the header end', [8, 10, 0, 0]],
    ['MSS with length 3', [2, 3, 0, 0]],
  ];

  it('a SYN with a malformed option list is dropped, counted as tcp-option, and the listener goes on', () => {
    const p = rawPeer();
    p.stack.tcpListen(80, 2);
    for (const [, opts] of bad) raw(p, { flags: tcpw.SYN, seq: 1000, options: opts });
    expect(p.hal.sent).toHaveLength(0);
    expect(p.stack.tcpInUse()).toBe(0);
    expect(p.stack.drops[stats.DROP_TCP_OPTION]).toBe(bad.length);
    expect(stats.DROP_NAMES[stats.DROP_TCP_OPTION]).toBe('tcp-option');
    raw(p, { flags: tcpw.SYN, seq: 1000, options: [2, 4, 0, 200] });
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.SYN | tcpw.ACK]);
  });

  it('in ESTABLISHED the segment is dropped and the connection is untouched', () => {
    const p = rawPeer();
    const { c, iss } = passive(p);
    for (const [, opts] of bad) raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (iss + 1) | 0, options: opts, data: new Uint8Array([7]) });
    expect(p.take()).toEqual([]);
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    expect(p.stack.drops[stats.DROP_TCP_OPTION]).toBe(bad.length);
    raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (iss + 1) | 0, data: new Uint8Array([7]) });
    expect(p.take().map((s) => s.ack)).toEqual([1002]);
    expect(p.stack.tcpRead(c, new Uint8Array(4), 0, 4)).toBe(1);
  });
});

describe('MUST-12: the application can tell an orderly close from a reset', () => {
  it('FIN: read() returns 0 (end of stream) and EV_CLOSED says REASON_FIN; RST: read() returns -ECONNRESET and EV_CLOSED says REASON_RESET', () => {
    const p = rawPeer();
    const closed: [number, number][] = [];
    p.stack.onTcp((conn, e, d) => { if (e === C.EV_CLOSED) closed.push([conn, d]); });
    const a = passive(p, [], 1000, 40000);
    const b = passive(p, [], 1000, 40001, a.l);
    const buf = new Uint8Array(4);
    // a: the peer's FIN, then ours (shutdown keeps the handle, so the end is reported).
    p.send({ flags: tcpw.FIN | tcpw.ACK, seq: 1001, ack: (a.iss + 1) | 0, srcPort: 40000 });
    expect(p.stack.tcpRead(a.c, buf, 0, 4)).toBe(0);
    p.stack.tcpShutdown(a.c);
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.ACK, tcpw.FIN | tcpw.ACK]);
    p.send({ flags: tcpw.ACK, seq: 1002, ack: (a.iss + 2) | 0, srcPort: 40000 });
    expect(closed).toEqual([[a.c, C.REASON_FIN]]);
    expect(p.stack.tcpError(a.c)).toBe(E.E_OK);
    // b: a RST at RCV.NXT.
    p.send({ flags: tcpw.RST, seq: 1001, srcPort: 40001 });
    expect(closed).toEqual([[a.c, C.REASON_FIN], [b.c, C.REASON_RESET]]);
    expect(p.stack.tcpRead(b.c, buf, 0, 4)).toBe(-E.ECONNRESET);
    expect(p.stack.tcpError(b.c)).toBe(E.ECONNRESET);
  });
});

describe('MUST-13: TIME-WAIT lasts 2·MSL, with MSL = 2 minutes by default', () => {
  it('with the default configuration the TIME-WAIT slot lives 240 s and no longer', () => {
    const p = rawPeer();
    const { c, iss } = passive(p);
    p.stack.tcpClose(c);
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.FIN | tcpw.ACK]);
    p.send({ flags: tcpw.FIN | tcpw.ACK, seq: 1001, ack: (iss + 2) | 0 });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 1002]]);
    expect(p.stack.tcpCount(C.TIME_WAIT)).toBe(1);
    p.at(120_001); // one MSL: still there
    expect(p.stack.tcpCount(C.TIME_WAIT)).toBe(1);
    p.at(239_999);
    expect(p.stack.tcpCount(C.TIME_WAIT)).toBe(1);
    p.at(240_001);
    expect(p.stack.tcpCount(C.TIME_WAIT)).toBe(0);
    expect(p.stack.tcpInUse()).toBe(0);
  });
});

describe('MUST-15, MUST-16, MUST-67: segment sizes', () => {
  const sizes = (mtu: number, peerMss: number) => {
    const p = rawPeer({ mtu, tcpSndBuf: 3000 });
    const { c, iss } = active(p, peerMss, 60000);
    p.stack.tcpSetNoDelay(c, true);
    expect(p.stack.tcpWrite(c, new Uint8Array(3000), 0, 3000)).toBe(3000);
    const segs = drain(p, 7001, 60000, 80, 5000, (iss + 1) | 0);
    for (const q of wirePackets(p)) expect(q.length).toBeLessThanOrEqual(mtu); // nothing needs fragmenting
    expect(segs.reduce((a, s) => a + s.data.length, 0)).toBe(3000);
    return Math.max(...segs.map((s) => s.data.length));
  };

  it('MUST-15: with no MSS option (or MSS 0) the send MSS is 536 on a link that could carry more', () => {
    expect(sizes(1500, 0)).toBe(536);
  });

  it('MUST-16: the send MSS is min(peer MSS, what our MTU carries after 40 octets of headers)', () => {
    expect(sizes(1500, 1460)).toBe(1460);
    expect(sizes(1500, 1000)).toBe(1000);
    expect(sizes(576, 1460)).toBe(536);
    expect(sizes(296, 1460)).toBe(256);
  });

  it('MUST-67: the MSS we advertise, on SYN and SYN-ACK, is the MTU minus 40', () => {
    for (const mtu of [296, 576, 1006, 1500]) {
      const p = rawPeer({ mtu });
      p.stack.tcpConnect(PEER, 80, 5000);
      p.stack.tcpListen(80, 1);
      p.send({ flags: tcpw.SYN, seq: 1000 });
      expect(p.take().map((s) => [s.flags, s.mss])).toEqual([[tcpw.SYN, mtu - 40], [tcpw.SYN | tcpw.ACK, mtu - 40]]);
    }
  });
});

describe('MUST-17: the application can turn Nagle off per connection', () => {
  it('with Nagle on, a second small write waits for the ACK; after tcpSetNoDelay(c, true) it leaves at once', () => {
    const p = rawPeer();
    const { c, iss, l } = passive(p, [], 60000);
    const ten = new Uint8Array(10);
    p.stack.tcpWrite(c, ten, 0, 10);
    expect(p.take().map((s) => s.data.length)).toEqual([10]); // nothing in flight: sent
    p.stack.tcpWrite(c, ten, 0, 10);
    expect(p.take()).toEqual([]); // Nagle: a small segment waits while data is unacknowledged
    p.send({ flags: tcpw.ACK, seq: 1001, ack: (iss + 11) | 0, window: 60000 });
    expect(p.take().map((s) => [s.seq, s.data.length])).toEqual([[(iss + 11) | 0, 10]]);
    p.stack.tcpSetNoDelay(c, true);
    p.stack.tcpWrite(c, ten, 0, 10);
    expect(p.take().map((s) => [s.seq, s.data.length])).toEqual([[(iss + 21) | 0, 10]]); // sent with 10 octets in flight
    // ...and only on that connection: a second one still runs Nagle.
    const d = passive(p, [], 60000, 40001, l);
    p.stack.tcpWrite(d.c, ten, 0, 10);
    p.stack.tcpWrite(d.c, ten, 0, 10);
    expect(p.take().map((s) => s.data.length)).toEqual([10]);
  });
});

describe('MUST-30: the urgent pointer is parsed safely (URG is never acted on)', () => {
  it('URG segments with urgent pointers 0, inside, past the data and 65535 are taken as ordinary in-line data', () => {
    const p = rawPeer();
    const { c, iss } = passive(p);
    let seq = 1001;
    const all: number[] = [];
    for (const urg of [0, 3, 200, 0xffff]) {
      const data = new Uint8Array(5).map((_, k) => seq + k);
      raw(p, { flags: tcpw.ACK | tcpw.PSH | tcpw.URG, seq, ack: (iss + 1) | 0, urgent: urg, data });
      seq += 5;
      all.push(...data);
      expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, seq]]);
    }
    // URG with no data at all, pointer far away: nothing to do, nothing sent.
    raw(p, { flags: tcpw.ACK | tcpw.URG, seq, ack: (iss + 1) | 0, urgent: 0x8000 });
    expect(p.take()).toEqual([]);
    const rx = new Uint8Array(64);
    expect(p.stack.tcpRead(c, rx, 0, 64)).toBe(20);
    expect([...rx.subarray(0, 20)]).toEqual(all);
    expect(p.stack.drops.reduce((a, b) => a + b, 0)).toBe(0);
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
  });
});

describe('MUST-41, MUST-42: a passive OPEN leaves existing connections alone', () => {
  it('MUST-41: listening on a port an ESTABLISHED connection uses does not disturb it; the listener serves other peers', () => {
    const p = rawPeer();
    const c = p.stack.tcpConnect(PEER, 80, 8080);
    const [syn] = p.take();
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, srcPort: 80, dstPort: 8080 });
    p.take();
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    const l = p.stack.tcpListen(8080, 2);
    // The existing connection still gets its data; nothing reaches the listener.
    p.send({ flags: tcpw.ACK | tcpw.PSH, seq: 7001, ack: (syn.seq + 1) | 0, srcPort: 80, dstPort: 8080, data: new Uint8Array([1, 2]) });
    expect(p.take().map((s) => [s.flags, s.ack, s.dstPort])).toEqual([[tcpw.ACK, 7003, 80]]);
    expect(p.stack.tcpRead(c, new Uint8Array(4), 0, 4)).toBe(2);
    expect(p.stack.tcpAccept(l)).toBe(-E.EAGAIN);
    // Another peer port gets a new connection from the listener.
    p.send({ flags: tcpw.SYN, seq: 1000, srcPort: 40000, dstPort: 8080 });
    const [sa] = p.take();
    expect([sa.flags, sa.dstPort]).toEqual([tcpw.SYN | tcpw.ACK, 40000]);
    p.send({ flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 1) | 0, srcPort: 40000, dstPort: 8080 });
    const s = p.stack.tcpAccept(l);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).not.toBe(c);
    // Closing the listener and listening again does not touch either connection.
    p.stack.tcpUnlisten(l);
    p.stack.tcpListen(8080, 2);
    expect(p.take()).toEqual([]);
    expect([p.stack.tcpState(c), p.stack.tcpState(s)]).toEqual([C.ESTABLISHED, C.ESTABLISHED]);
    p.stack.tcpWrite(c, new Uint8Array(3), 0, 3);
    expect(p.take().map((x) => [x.dstPort, x.data.length])).toEqual([[80, 3]]);
  });

  it('MUST-42: listen() succeeds while a connection on that port is in SYN-SENT or SYN-RECEIVED, and that connection completes', () => {
    const p = rawPeer();
    const connected: number[] = [];
    p.stack.onTcp((conn, e) => { if (e === C.EV_CONNECTED) connected.push(conn); });
    // SYN-SENT on 8080.
    const c = p.stack.tcpConnect(PEER, 80, 8080);
    const [syn] = p.take();
    const l = p.stack.tcpListen(8080, 2);
    expect(p.stack.tcpState(c)).toBe(C.SYN_SENT);
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, srcPort: 80, dstPort: 8080 });
    expect(p.take().map((s) => [s.flags, s.ack])).toEqual([[tcpw.ACK, 7001]]);
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    expect(connected).toEqual([c]);
    expect(p.stack.tcpAccept(l)).toBe(-E.EAGAIN);
    // SYN-RECEIVED on 8081 (a simultaneous open).
    const d = p.stack.tcpConnect(PEER, 81, 8081);
    const [syn2] = p.take();
    p.send({ flags: tcpw.SYN, seq: 9000, srcPort: 81, dstPort: 8081 });
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.SYN | tcpw.ACK]);
    expect(p.stack.tcpState(d)).toBe(C.SYN_RECEIVED);
    const l2 = p.stack.tcpListen(8081, 2);
    p.send({ flags: tcpw.ACK, seq: 9001, ack: (syn2.seq + 1) | 0, srcPort: 81, dstPort: 8081 });
    expect(p.stack.tcpState(d)).toBe(C.ESTABLISHED);
    expect(connected).toEqual([c, d]);
    expect(p.stack.tcpAccept(l2)).toBe(-E.EAGAIN);
  });
});

describe('MUST-46: no OPEN to a broadcast or multicast address', () => {
  it('tcpConnect throws EINVAL for broadcast, multicast, class E, 0.0.0.0 and our own address, and sends nothing', () => {
    const p = rawPeer();
    const bad = [-1, ipv4.addr(224, 0, 0, 1), ipv4.addr(239, 255, 255, 250), ipv4.addr(240, 0, 0, 1), 0, BOARD];
    for (const a of bad) {
      let e: unknown = null;
      try { p.stack.tcpConnect(a, 80, 0); } catch (x) { e = x; }
      expect(e).toBeInstanceOf(StackError);
      expect((e as StackError).code).toBe(E.EINVAL);
    }
    expect(p.hal.sent).toHaveLength(0);
    expect(p.stack.tcpInUse()).toBe(0);
  });
});

describe('MUST-49: the TTL is configurable', () => {
  it('TCP segments (SYN, SYN-ACK, RST) carry the configured TTL, 64 by default', () => {
    for (const [cfg, ttl] of [[{}, 64], [{ ttl: 7 }, 7], [{ ttl: 255 }, 255]] as [Record<string, number>, number][]) {
      const p = rawPeer(cfg);
      p.stack.tcpConnect(PEER, 80, 5000);
      p.stack.tcpListen(80, 1);
      p.send({ flags: tcpw.SYN, seq: 1 });
      p.send({ flags: tcpw.SYN, seq: 1, dstPort: 81 });
      const ttls = wirePackets(p).map((q) => ipv4.ttl(q, 0));
      expect(ttls).toEqual([ttl, ttl, ttl]);
    }
  });
});

describe('MUST-50 (and MUST-51..53): IP options are ignored', () => {
  it('segments in datagrams with IP options (router alert, record route, a loose source route) are processed; our answers carry no options and go straight to the source', () => {
    const p = rawPeer();
    const l = p.stack.tcpListen(80, 1);
    const routerAlert = [0x94, 4, 0, 0];
    const recordRoute = [7, 7, 4, 0, 0, 0, 0, 0];
    const lsrr = [1, 0x83, 7, 4, 192, 0, 2, 99]; // NOP, LSRR via 192.0.2.99 (never honoured)
    raw(p, { flags: tcpw.SYN, seq: 1000, ipOptions: [...routerAlert, ...lsrr] });
    const [q] = wirePackets(p);
    expect(ipv4.ihl(q, 0)).toBe(5);
    expect(ipv4.dstAddr(q, 0)).toBe(PEER);
    const [sa] = p.take();
    expect(sa.flags).toBe(tcpw.SYN | tcpw.ACK);
    raw(p, { flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 1) | 0, ipOptions: recordRoute });
    const c = p.stack.tcpAccept(l);
    expect(c).toBeGreaterThanOrEqual(0);
    const data = new Uint8Array([0x11, 0x22, 0x33]);
    raw(p, { flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (sa.seq + 1) | 0, data, ipOptions: [...recordRoute, ...routerAlert] });
    expect(p.take().map((s) => s.ack)).toEqual([1004]);
    const rx = new Uint8Array(8);
    expect(p.stack.tcpRead(c, rx, 0, 8)).toBe(3);
    expect([...rx.subarray(0, 3)]).toEqual([0x11, 0x22, 0x33]);
  });
});

describe('MUST-56: ICMP errors that must not abort a connection', () => {
  it('in SYN-SENT, Destination Unreachable codes 0, 1 and 5, Time Exceeded and Parameter Problem leave the connection trying', () => {
    const p = rawPeer();
    const c = p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = p.take();
    const quote = p.hal.sent[0].slice(0, 28); // our SYN's IP header and first 8 TCP octets
    const router = ipv4.addr(192, 0, 2, 254);
    const soft: [number, number][] = [[icmp.DEST_UNREACH, 0], [icmp.DEST_UNREACH, 1], [icmp.DEST_UNREACH, 5], [11, 0], [11, 1], [12, 0]];
    for (const [type, code] of soft) p.hal.deliver(icmpMessage(type, code, quote, { src: router }));
    expect(p.stack.tcpState(c)).toBe(C.SYN_SENT);
    expect(p.stack.counters[stats.CNT_TCP_SOFT_ERRORS]).toBe(soft.length);
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, srcPort: 80, dstPort: 5000 });
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
  });
});

describe('MUST-57: a SYN to a broadcast or multicast address is discarded', () => {
  it('no answer, no connection, counted (tcp-broadcast for 255.255.255.255, ip-not-ours for multicast)', () => {
    const p = rawPeer();
    p.stack.tcpListen(80, 2);
    raw(p, { flags: tcpw.SYN, seq: 1000, dst: -1 });
    expect(p.stack.drops[stats.DROP_TCP_BROADCAST]).toBe(1);
    for (const dst of [ipv4.addr(224, 0, 0, 1), ipv4.addr(239, 1, 2, 3)]) raw(p, { flags: tcpw.SYN, seq: 1000, dst });
    expect(p.stack.drops[stats.DROP_IP_NOT_OURS]).toBe(2);
    expect(p.hal.sent).toHaveLength(0);
    expect(p.stack.tcpInUse()).toBe(0);
    raw(p, { flags: tcpw.SYN, seq: 1000 });
    expect(p.take().map((s) => s.flags)).toEqual([tcpw.SYN | tcpw.ACK]);
  });
});

describe('MUST-63: a SYN from an invalid source address is ignored', () => {
  it('broadcast, multicast, class E, 0.0.0.0/8, 127.0.0.0/8 and our own address (LAND) as source: no SYN-ACK, no RST, no connection', () => {
    const p = rawPeer();
    p.stack.tcpListen(80, 2);
    const bad = [-1, ipv4.addr(224, 0, 0, 5), ipv4.addr(240, 1, 2, 3), BOARD];
    const martian = [0, ipv4.addr(127, 0, 0, 1)];
    for (const src of martian) {
      raw(p, { flags: tcpw.SYN, seq: 1000, src });
      raw(p, { flags: tcpw.SYN, seq: 1000, src, dstPort: 81 });
    }
    expect(p.stack.drops[stats.DROP_IP_MARTIAN_SRC]).toBe(2 * martian.length);
    for (const src of bad) {
      raw(p, { flags: tcpw.SYN, seq: 1000, src });
      raw(p, { flags: tcpw.SYN, seq: 1000, src, dstPort: 81 }); // a closed port would answer with a RST
    }
    expect(p.hal.sent).toHaveLength(0);
    expect(p.stack.tcpInUse()).toBe(0);
    expect(p.stack.drops[stats.DROP_IP_BAD_SRC]).toBe(2 * bad.length);
  });
});

describe('MUST-66: RST (and ACK) are processed when the receive window is zero', () => {
  it('with the window closed, an ACK still acknowledges our data, a RST off RCV.NXT is dropped, and a RST at RCV.NXT resets', () => {
    const p = rawPeer({ tcpRcvBuf: 256 });
    const closed: number[] = [];
    p.stack.onTcp((_c, e, d) => { if (e === C.EV_CLOSED) closed.push(d); });
    const { c, iss } = passive(p, [], 4000);
    // Fill the window: the ACK says 0.
    p.send({ flags: tcpw.ACK | tcpw.PSH, seq: 1001, ack: (iss + 1) | 0, window: 4000, data: new Uint8Array(256) });
    expect(p.take().map((s) => [s.ack, s.window])).toEqual([[1257, 0]]);
    // More data is not acceptable now: answered with an ACK, not taken.
    p.send({ flags: tcpw.ACK | tcpw.PSH, seq: 1257, ack: (iss + 1) | 0, window: 4000, data: new Uint8Array(10) });
    expect(p.take().map((s) => [s.ack, s.window])).toEqual([[1257, 0]]);
    // An ACK of our data is processed.
    p.stack.tcpWrite(c, new Uint8Array(10), 0, 10);
    expect(p.take().map((s) => s.data.length)).toEqual([10]);
    p.send({ flags: tcpw.ACK, seq: 1257, ack: (iss + 11) | 0, window: 4000 });
    const ep = new Int32Array(8);
    p.stack.tcpEndpoint(c, ep);
    expect(ep[3]).toBe((iss + 11) | 0);
    // A RST one past RCV.NXT is outside the (empty) window: dropped silently.
    p.send({ flags: tcpw.RST, seq: 1258 });
    expect(p.take()).toEqual([]);
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    // A RST at RCV.NXT resets the connection.
    p.send({ flags: tcpw.RST, seq: 1257 });
    expect(p.stack.tcpState(c)).toBe(C.CLOSED);
    expect(closed).toEqual([C.REASON_RESET]);
    expect(p.stack.tcpError(c)).toBe(E.ECONNRESET);
  });
});

describe('docs/CONFORMANCE.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'CONFORMANCE.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => l.startsWith('| MUST-'));
  const STATUSES = ['tested', 'deviation', 'n/a', 'not yet'];

  it('has one row per MUST, MUST-1 to MUST-69 in order, each with a status and a reason or a reference', () => {
    expect(rows.map((r) => r.split('|')[1].trim())).toEqual(Array.from({ length: 69 }, (_, k) => 'MUST-' + (k + 1)));
    for (const r of rows) {
      const cells = r.split('|').map((c) => c.trim());
      expect(STATUSES, r).toContain(cells[3]);
      expect(cells[4].length, r).toBeGreaterThan(20);
      if (cells[3] === 'tested') expect(cells[4], r).toMatch(/`test\//);
    }
  });

  it('states the counts the rows give', () => {
    for (const s of STATUSES) {
      const n = rows.filter((r) => r.split('|')[3].trim() === s).length;
      expect(doc, s).toContain('| ' + s + ' | ' + n + ' |');
    }
  });

  it('cites only files that exist, and describe blocks that exist in them', () => {
    // `path` › "describe" › "it": the path must exist; the describe name must be in the file.
    const ref = /`(test\/[^`]+)`(?: › "([^"]+)")?/g;
    let m: RegExpExecArray | null;
    let refs = 0;
    while ((m = ref.exec(doc)) !== null) {
      const file = join(__dirname, '..', '..', m[1]);
      if (m[1].endsWith('/')) {
        expect(statSync(file).isDirectory(), m[1]).toBe(true);
        continue;
      }
      expect(existsSync(file), m[1]).toBe(true);
      if (m[2] !== undefined) expect(readFileSync(file, 'utf8'), m[1] + ' › ' + m[2]).toContain("describe('" + m[2] + "'");
      refs++;
    }
    expect(refs).toBeGreaterThan(80);
  });

  it('cites test names that exist in their files (literal ones; generated names are checked by hand)', () => {
    // `file` › "describe" › "it"[, › "another it" ...]
    const chain = /`(test\/[^`]+\.test\.ts)` › "[^"]+"((?:,? › "[^"]+")+)/g;
    let m: RegExpExecArray | null;
    let names = 0;
    while ((m = chain.exec(doc)) !== null) {
      const text = readFileSync(join(__dirname, '..', '..', m[1]), 'utf8');
      for (const q of m[2].matchAll(/"([^"]+)"/g)) {
        names++;
        if (text.includes("it('" + q[1] + "'")) continue;
        // Names built from a template (test/stack.test.ts "IPv4 checks") are left to the reader.
        expect(text, m[1] + ' › ' + q[1]).toContain('it(`');
      }
    }
    expect(names).toBeGreaterThan(60);
  });
});
