/**
 * The order of the SACK blocks we send (issue 9, failure 10). RFC 2018 §4: the first block
 * MUST hold the segment that triggered the ACK; the rest SHOULD repeat the most recently
 * reported blocks (the first blocks of earlier ACKs), newest first, skipping any already
 * included. With more out-of-order ranges than an option can carry (tcpOooHoles above 4),
 * the order decides which ranges the peer hears about: the newest ones, which it is least
 * likely to know yet. (Before, the blocks after the first went in sequence order, so the
 * same lowest ranges filled every option.)
 *
 * The stack runs on a capture HAL (test/tcp/peer.ts); the peer sends 10-octet segments with
 * holes between them, and each immediate duplicate ACK is read back. Test-only code.
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import { rawPeer, passiveOpen } from './peer.js';
import type { RawPeer } from './peer.js';

const PEER_ISN = 3000;

function connect(holes: number): { p: RawPeer; iss: number } {
  const p = rawPeer({ tcpOooHoles: holes });
  const { iss } = passiveOpen(p, { l: p.stack.tcpListen(80, 2), isn: PEER_ISN, window: 65535, mss: 1460, sackOk: true });
  return { p, iss };
}

/** The peer sends 10 octets at relative sequence number `rel`; returns the SACK blocks of our answer, relative. */
function seg(p: RawPeer, iss: number, rel: number, len = 10): [number, number][] {
  p.send({ flags: tcpw.ACK, seq: (PEER_ISN + rel) | 0, ack: (iss + 1) | 0, window: 65535, data: new Uint8Array(len) });
  const out = p.take();
  expect(out).toHaveLength(1);
  expect(out[0].ack).toBe(PEER_ISN + 1); // a duplicate ACK: RCV.NXT has not moved
  return out[0].sack.map(([a, b]) => [(a - PEER_ISN) | 0, (b - PEER_ISN) | 0]);
}

describe('SACK blocks: the newest first, then the most recently reported (RFC 2018 §4)', () => {
  it('six ranges arriving in sequence order (tcpOooHoles 8): the four newest are reported, newest first', () => {
    const { p, iss } = connect(8);
    const got: [number, number][][] = [];
    for (const rel of [21, 41, 61, 81, 101, 121]) got.push(seg(p, iss, rel));
    expect(got[3]).toEqual([[81, 91], [61, 71], [41, 51], [21, 31]]);
    expect(got[4]).toEqual([[101, 111], [81, 91], [61, 71], [41, 51]]);
    expect(got[5]).toEqual([[121, 131], [101, 111], [81, 91], [61, 71]]);
  });

  it('ranges arriving out of sequence order are listed by when they were reported, not by where they lie', () => {
    const { p, iss } = connect(8);
    for (const rel of [61, 21, 101]) seg(p, iss, rel);
    expect(seg(p, iss, 41)).toEqual([[41, 51], [101, 111], [21, 31], [61, 71]]);
    // A range reported again moves to the front; one the new segment merges into is not repeated.
    expect(seg(p, iss, 31)).toEqual([[21, 51], [101, 111], [61, 71]]);
    expect(seg(p, iss, 141)).toEqual([[141, 151], [21, 51], [101, 111], [61, 71]]);
    expect(seg(p, iss, 181)).toEqual([[181, 191], [141, 151], [21, 51], [101, 111]]);
  });

  it('once the hole at RCV.NXT fills, the ranges it joined are gone and the rest keep their order', () => {
    const { p, iss } = connect(8);
    for (const rel of [61, 21, 101, 141]) seg(p, iss, rel);
    // Octets 1..20 fill the front hole: RCV.NXT moves to 31, range [21, 31) is consumed.
    p.send({ flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + 1) | 0, window: 65535, data: new Uint8Array(20) });
    const [a] = p.take();
    expect(a.ack).toBe(PEER_ISN + 31);
    expect(a.sack.map(([l, r]) => [(l - PEER_ISN) | 0, (r - PEER_ISN) | 0])).toEqual([[141, 151], [101, 111], [61, 71]]);
  });
});
