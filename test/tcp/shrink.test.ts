/**
 * Retransmissions into a window the peer has cut (issue 9, failure 8). RFC 9293 §3.8.6
 * (MUST-34, SHLD-16): the sender copes with a shrunk window and retransmits within it; Linux
 * trims a retransmission to the window the peer currently offers (tcp_retransmit_skb). Fast
 * retransmit and SACK retransmission used to resend a full MSS at SND.UNA whatever the
 * window said.
 *
 * The stack runs on a capture HAL (test/tcp/peer.ts); the peer cuts its window to one octet
 * and then sends the duplicate ACKs (with or without SACK blocks) that trigger the
 * retransmissions. MSS 256 (MTU 296). Test-only code: allocates freely.
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as stats from '../../src/stats.js';
import { rawPeer, passiveOpen } from './peer.js';
import type { RawPeer } from './peer.js';

const PEER_ISN = 9000;
const MSS = 256;

/** Accept a connection (SACK offered if `sack`) and write four full segments into a 2000-octet window. */
function fourOut(sack: boolean): { p: RawPeer; iss: number } {
  const p = rawPeer();
  const { c, iss } = passiveOpen(p, { l: p.stack.tcpListen(80, 2), isn: PEER_ISN, window: 2000, mss: 1460, sackOk: sack, rtt: 100 });
  expect(p.stack.tcpWrite(c, new Uint8Array(4 * MSS), 0, 4 * MSS)).toBe(4 * MSS);
  expect(p.take().map((s) => [(s.seq - iss) | 0, s.data.length])).toEqual([[1, 256], [257, 256], [513, 256], [769, 256]]);
  return { p, iss };
}

/** Peer ACK of relative sequence number `rel` (default 1) with window `win`, SACK blocks relative to the ISS. */
function ack(p: RawPeer, iss: number, win: number, sack: [number, number][] = [], rel = 1): void {
  p.send({ flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + rel) | 0, window: win, sack: sack.map(([a, b]) => [(iss + a) | 0, (iss + b) | 0]) });
}

describe('retransmissions stay within a window the peer has cut (issue 9, failure 8)', () => {
  it('fast retransmit: the window drops to 1 octet, three duplicate ACKs follow: one octet goes at SND.UNA, not a full segment', () => {
    const { p, iss } = fourOut(false);
    p.at(150);
    ack(p, iss, 1); // the window update: cut to one octet (not a duplicate: the window changed)
    for (let k = 0; k < 3; k++) ack(p, iss, 1);
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(1);
    const sent = p.take().filter((s) => s.data.length > 0);
    expect(sent.map((s) => [(s.seq - iss) | 0, s.data.length])).toEqual([[1, 1]]);
  });

  it('SACK: the holes below SACKed data are resent only as far as the one-octet window reaches', () => {
    const { p, iss } = fourOut(true);
    p.at(150);
    ack(p, iss, 1, [[769, 1025]]); // the fourth segment arrived; the window is cut to one octet
    ack(p, iss, 1, [[513, 1025]]); // so did the third: two SACKed above SND.UNA mark it lost
    ack(p, iss, 1, [[513, 1025]]);
    ack(p, iss, 1, [[513, 1025]]);
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(1);
    const sent = p.take().filter((s) => s.data.length > 0);
    // Everything sent lies inside [SND.UNA, SND.UNA + 1): the hole at 257 is past the window.
    expect(sent.length).toBeGreaterThan(0);
    for (const s of sent) {
      const rel = (s.seq - iss) | 0;
      expect([rel, s.data.length]).toEqual([1, 1]);
    }
    // When the window opens again, the next duplicate ACK lets the holes go in full segments.
    ack(p, iss, 2000, [[513, 1025]]);
    ack(p, iss, 2000, [[513, 1025]]);
    const later = p.take().filter((s) => s.data.length > 0).map((s) => [(s.seq - iss) | 0, s.data.length]);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every(([rel, len]) => rel >= 1 && rel + len <= 513)).toBe(true);
    expect(later.some(([, len]) => len === MSS)).toBe(true);
  });

  it('a partial ACK in NewReno recovery that also cuts the window: the next hole is resent within the new window (found by the state fuzzer)', () => {
    const { p, iss } = fourOut(false);
    p.at(150);
    for (let k = 0; k < 3; k++) ack(p, iss, 2000); // three duplicate ACKs: fast retransmit of [1, 257)
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(1);
    p.take();
    // The retransmission arrives: a partial ACK (RFC 6582: 257 is lost too), and window 1.
    ack(p, iss, 1, [], 257);
    const sent = p.take().filter((s) => s.data.length > 0).map((s) => [(s.seq - iss) | 0, s.data.length]);
    expect(sent).toEqual([[257, 1]]);
  });
});
