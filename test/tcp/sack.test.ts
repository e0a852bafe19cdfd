/**
 * Selective acknowledgments (RFC 2018, RFC 6675): what the scripts test/scripts/data/
 * sack-receiver.pkt and sack-sender.pkt cannot show, because it needs the configuration,
 * SYN cookies, malformed blocks from the peer or the size of the packets on the wire.
 * Both ends' reading of SACK is also exercised by the lossy soak (test/tcp/soak.test.ts) and
 * against Linux (test/interop/). Test-only code: allocates freely.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runChild } from '../../tools/alloc/child.js';
import * as tcpw from '../../src/wire/tcp.js';
import * as stats from '../../src/stats.js';
import { rawPeer, passiveOpen } from './peer.js';
import type { RawPeer, Seg } from './peer.js';

const PEER_ISN = 5000;
const MSS = 256;

/** Accept one connection on port 80; the peer's SYN offers SACK if `sackOk`. Returns the handle, our ISS and the SYN-ACK. */
function accept(p: RawPeer, sackOk: boolean): { c: number; iss: number; synAck: Seg } {
  return passiveOpen(p, { isn: PEER_ISN, window: 65535, mss: 1460, sackOk, rtt: 100 });
}

/** The peer sends `len` octets at relative offset `rel` of its stream (1 = first octet). */
function data(p: RawPeer, iss: number, rel: number, len: number, ack = 1): void {
  p.send({ flags: tcpw.ACK, seq: (PEER_ISN + rel) | 0, ack: (iss + ack) | 0, window: 65535, data: new Uint8Array(len) });
}

describe('SACK negotiation (RFC 2018 §2: both SYNs must carry SACK-permitted)', () => {
  it('a passive open answers the offer; without one, the SYN-ACK does not offer and ACKs carry no blocks', () => {
    const a = rawPeer();
    expect(accept(a, true).synAck.sackOk).toBe(true);
    const b = rawPeer();
    const { iss, synAck } = accept(b, false);
    expect(synAck.sackOk).toBe(false);
    b.take();
    data(b, iss, 257, 256); // out of order
    const [dup] = b.take();
    expect(dup.ack).toBe(PEER_ISN + 1);
    expect(dup.sack).toEqual([]);
  });

  it('an active open offers SACK; a SYN-ACK without it switches SACK off for the connection', () => {
    for (const peerOffers of [true, false]) {
      const p = rawPeer();
      const c = p.stack.tcpConnect(0xc0000201 | 0, 80, 40000);
      const [syn] = p.take();
      expect(syn.sackOk).toBe(true);
      p.send({ flags: tcpw.SYN | tcpw.ACK, seq: PEER_ISN, ack: (syn.seq + 1) | 0, window: 65535, mss: 1460, sackOk: peerOffers, srcPort: 80, dstPort: 40000 });
      expect(p.stack.tcpState(c)).toBe(4); // ESTABLISHED
      p.take();
      p.send({ flags: tcpw.ACK, seq: PEER_ISN + 257, ack: (syn.seq + 1) | 0, window: 65535, data: new Uint8Array(100), srcPort: 80, dstPort: 40000 });
      const [dup] = p.take();
      expect(dup.sack, 'peer offers ' + peerOffers).toEqual(peerOffers ? [[PEER_ISN + 257, PEER_ISN + 357]] : []);
    }
  });

  it('tcpSack: false neither offers nor answers SACK-permitted', () => {
    const p = rawPeer({ tcpSack: false });
    expect(accept(p, true).synAck.sackOk).toBe(false);
    p.stack.tcpConnect(0xc0000201 | 0, 81, 40001);
    expect(p.take().filter((s) => s.flags === tcpw.SYN).map((s) => s.sackOk)).toEqual([false]);
  });

  it('a SYN cookie SYN-ACK does not offer SACK: no state is kept to remember the offer', () => {
    const p = rawPeer({ tcpMaxSynRcvd: 0 });
    p.stack.tcpListen(80, 4);
    p.send({ flags: tcpw.SYN, seq: PEER_ISN, window: 65535, mss: 1460, sackOk: true });
    const [synAck] = p.take();
    expect(synAck.flags).toBe(tcpw.SYN | tcpw.ACK);
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_SENT]).toBe(1);
    expect(synAck.sackOk).toBe(false);
  });
});

describe('SACK blocks sent (RFC 2018 §4, RFC 6691)', () => {
  it('a data segment carries only the blocks that fit in the MSS with its data: no packet exceeds the MTU', () => {
    const p = rawPeer();
    const { c, iss } = accept(p, true);
    p.take();
    // Three holes' worth of out-of-order data waits: three blocks.
    data(p, iss, 257, 10);
    data(p, iss, 513, 10);
    data(p, iss, 769, 10);
    const dups = p.take();
    expect(dups[dups.length - 1].sack.length).toBe(3);
    // A full segment has no room left: no blocks. 200 octets leave 56: all three fit (4 + 24).
    expect(p.stack.tcpWrite(c, new Uint8Array(MSS), 0, MSS)).toBe(MSS);
    const [full] = p.take();
    expect(full.data.length).toBe(MSS);
    expect(full.sack).toEqual([]);
    p.send({ flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + 1 + MSS) | 0, window: 65535 });
    p.take();
    expect(p.stack.tcpWrite(c, new Uint8Array(200), 0, 200)).toBe(200);
    const [part] = p.take();
    expect(part.data.length).toBe(200);
    expect(part.sack.length).toBe(3);
    for (const pkt of p.hal.sent) expect(pkt.length).toBeLessThanOrEqual(296);
  });
});

describe('SACK blocks received (RFC 6675 scoreboard)', () => {
  /** A connection with four full segments in flight. */
  function inFlight(cfg = {}) {
    const p = rawPeer(cfg);
    const { c, iss } = accept(p, true);
    p.take();
    expect(p.stack.tcpWrite(c, new Uint8Array(4 * MSS), 0, 4 * MSS)).toBe(4 * MSS);
    expect(p.take().map((s) => (s.seq - iss) | 0)).toEqual([1, 257, 513, 769]);
    const dup = (blocks: [number, number][]) => p.send({
      flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + 1) | 0, window: 65535,
      sack: blocks.map(([l, r]) => [(iss + l) | 0, (iss + r) | 0] as [number, number]),
    });
    return { p, c, iss, dup };
  }

  it('IsLost: one duplicate ACK whose blocks cover more than two segments retransmits at once', () => {
    const { p, iss, dup } = inFlight();
    dup([[257, 1025]]);
    const out = p.take();
    expect(out.map((s) => [(s.seq - iss) | 0, s.data.length])).toEqual([[1, MSS]]);
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(1);
  });

  it('blocks past SND.MAX, below SND.UNA (D-SACK) or empty are ignored', () => {
    for (const bad of [[[257, 1025 + 4096]], [[-100, 1]], [[600, 600]], [[1025, 257]]] as [number, number][][]) {
      const { p, dup } = inFlight();
      dup(bad);
      expect(p.take(), JSON.stringify(bad)).toEqual([]);
      expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(0);
    }
  });

  it('a flight that cannot grow: two segments SACKed mark SND.UNA lost; then each duplicate ACK resends the next hole, once', () => {
    // The default ring holds exactly the four segments in flight: limited transmit has
    // nothing to send, so three duplicate ACKs would never come with 1:257 and 513:769 lost.
    const { p, iss, dup } = inFlight();
    dup([[257, 513], [769, 1025]]);
    expect(p.take().map((s) => (s.seq - iss) | 0)).toEqual([1]); // the first duplicate suffices
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(1);
    dup([[257, 513], [769, 1025]]);
    expect(p.take().map((s) => (s.seq - iss) | 0)).toEqual([513]); // the next hole, at once
    dup([[257, 513], [769, 1025]]);
    expect(p.take().map((s) => (s.seq - iss) | 0)).toEqual([]); // nothing twice
    expect(p.stack.counters[stats.CNT_TCP_SACK_RETRANSMITS]).toBe(1);
  });

  it('one segment SACKed is not enough: the threshold stays at two segments', () => {
    const { p, dup } = inFlight();
    dup([[257, 513]]);
    expect(p.take()).toEqual([]);
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(0);
  });

  it('a lost retransmission: data sent after it is SACKed while its hole stays open, so it goes again (RACK in sequence space)', () => {
    const p = rawPeer({ tcpSndBuf: 4096 });
    const { c, iss } = accept(p, true);
    p.take();
    expect(p.stack.tcpWrite(c, new Uint8Array(4096), 0, 4096)).toBe(4096);
    const rel = (segs: Seg[]) => segs.map((x) => (x.seq - iss) | 0);
    expect(rel(p.take())).toEqual([1, 257, 513, 769]);
    const dup = (blocks: [number, number][]) => p.send({
      flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + 1) | 0, window: 65535,
      sack: blocks.map(([l, r]) => [(iss + l) | 0, (iss + r) | 0] as [number, number]),
    });
    // 1:257 lost; the rest arrive. Limited transmit, then fast retransmit at the third duplicate.
    dup([[257, 513]]);
    dup([[257, 769]]);
    dup([[257, 1025]]);
    const a = rel(p.take());
    expect(a).toContain(1);
    const afterRtx = a.slice(a.indexOf(1) + 1);
    // More duplicates inflate cwnd: new data goes out after the retransmission.
    dup([[257, 1281]]);
    const b = rel(p.take());
    const fresh = [...afterRtx, ...b].filter((x) => x > 1);
    expect(fresh.length).toBeGreaterThan(0);
    const top = Math.max(...fresh) + 256;
    expect(p.stack.counters[stats.CNT_TCP_LOST_RETRANSMITS]).toBe(0);
    // That new data is SACKed, but 1:257 is still missing: the retransmission was lost.
    dup([[257, top]]);
    expect(rel(p.take())).toContain(1);
    expect(p.stack.counters[stats.CNT_TCP_LOST_RETRANSMITS]).toBe(1);
    expect(p.stack.counters[stats.CNT_TCP_RTO_TIMEOUTS]).toBe(0);
  });

  it('a timeout forgets the scoreboard (RFC 2018 §8): everything from SND.UNA goes again', () => {
    const { p, iss, dup } = inFlight();
    dup([[257, 513]]);
    expect(p.take()).toEqual([]);
    p.at(5000);
    const seqs = [(p.take()[0].seq - iss) | 0];
    // After the timeout, the window opens again segment by segment as ACKs come; 257:513,
    // though SACKed before, is sent again once the first ACK arrives.
    p.send({ flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + 257) | 0, window: 65535 });
    for (const s of p.take()) seqs.push((s.seq - iss) | 0);
    expect(seqs).toEqual([1, 257, 513]);
  });
});

describe('loss recovery allocates nothing', () => {
  it('512 KB over a line losing 5% each way, after warm-up: SACK, hole and lost-retransmission paths all run, zero garbage collections', () => {
    const r = runChild(join(__dirname, 'recovery-gc.child.ts'));
    expect(r.got).toBe(512 << 10);
    expect(r.fast as number).toBeGreaterThan(0);
    expect(r.sack as number).toBeGreaterThan(0);
    expect(r.lost as number).toBeGreaterThan(0);
    expect(r.gcs, 'gc kinds: ' + (r.kinds as string[]).join(',') + ' after ' + r.warmBatches + ' warm-up batches').toBe(0);
  });
});
