/**
 * TCP data transfer: the behaviours a packetdrill script cannot show, because they need API
 * calls (tcpSetKeepAlive, tcpSetR2, tcpCongestion), counters, the configuration, several
 * connections, or hours of virtual time. The scripts in test/scripts/data/ show the rest on
 * the wire (Nagle, Karn's rule in time, slow start, fast retransmit and NewReno, limited
 * transmit, early retransmit, window shrinking, zero-window probes, SWS, delayed ACKs, PSH,
 * the out-of-order assembler).
 *
 * Each `describe` names the RFC 9293 requirement (the MUST-n numbering of its Appendix B)
 * and the RFC section behind the mechanism. The stack runs on a capture HAL
 * (test/tcp/peer.ts): a test plays the peer segment by segment on a virtual clock and reads
 * the stack's numbers through tcpCongestion(conn, out): out = [cwnd, ssthresh, SND.WND, RTO].
 * The MSS is 256 (MTU 296) throughout. Test-only code: allocates freely.
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as stats from '../../src/stats.js';
import * as C from '../../src/tcp/constants.js';
import * as E from '../../src/errno.js';
import { createStack } from '../../src/stack.js';
import { DEFAULTS } from '../../src/config.js';
import { PEER, rawPeer, passiveOpen } from './peer.js';
import type { RawPeer } from './peer.js';
import { BOARD, captureHal, ipPacket, slipFrame } from '../helpers.js';

const MSS = 256;
/** The peer's ISN in every test. */
const PEER_ISN = 5000;

/** A segment the stack sent, stamped with the time it was sent; seq and ack absolute. */
interface Out {
  t: number;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  win: number;
  port: number;
}

/** Segments the stack sent since the last call (any connection), stamped with the current time. */
function take(p: RawPeer): Out[] {
  return p.take().map((s) => ({ t: p.hal.time, flags: s.flags, seq: s.seq, ack: s.ack, len: s.data.length, win: s.window, port: s.dstPort }));
}

/**
 * Advance the clock to `until`, polling at every deadline the stack asks for on the way (in
 * order), and return everything it sent, each segment stamped with its time.
 */
function runTo(p: RawPeer, until: number): Out[] {
  const got: Out[] = [];
  for (let guard = 0; guard < 100000; guard++) {
    const next = p.stack.poll(p.hal.time);
    got.push(...take(p));
    if (!(next <= until) || next <= p.hal.time) break;
    p.at(next);
    got.push(...take(p));
  }
  if (until > p.hal.time) p.at(until);
  got.push(...take(p));
  return got;
}

/** One accepted connection and the peer's side of it. */
interface Conn {
  c: number;
  iss: number;
  port: number;
  /** Octets the peer has sent (its next sequence number is PEER_ISN + 1 + sent). */
  sent: number;
  /** Octets the application has written. */
  written: number;
  /** Segments in `outs` that belong to this connection, with seq relative to the ISS and ack relative to the peer's ISN. */
  mine(outs: Out[]): Out[];
  /** The peer acknowledges our data up to relative sequence number `rel` (default: all written) with window `win`. */
  ack(rel?: number, win?: number): void;
  /** The peer sends `len` octets of data. */
  data(len: number): void;
  /** The peer resets the connection with a RST at `seq` (absolute). */
  rst(seq: number): void;
  /** tcpCongestion: [cwnd, ssthresh, SND.WND, RTO]. */
  cc(): number[];
  /** Write `len` octets; returns what the send ring took. */
  write(len: number): number;
}

/**
 * Accept a connection from PEER:port on listener `l` (a new one on port 80 if not given): the
 * SYN (MSS 1460, window `win`) arrives now, the handshake's ACK `rtt` ms later, so the first
 * RTT sample is `rtt` and (RFC 6298 §2.2) the RTO becomes 3·rtt within the bounds: 300 ms for
 * the default 100.
 */
function accept(p: RawPeer, opts: { port?: number; win?: number; rtt?: number; l?: number } = {}): Conn {
  const port = opts.port ?? 40000;
  const win = opts.win ?? 65535;
  const { c, iss } = passiveOpen(p, { l: opts.l, port, isn: PEER_ISN, window: win, mss: 1460, rtt: opts.rtt ?? 100 });
  const out = new Int32Array(4);
  const k: Conn = {
    c, iss, port, sent: 0, written: 0,
    mine(outs) {
      return outs.filter((s) => s.port === port).map((s) => ({ ...s, seq: (s.seq - iss) | 0, ack: (s.ack - PEER_ISN) | 0 }));
    },
    ack(rel, w) {
      p.send({ flags: tcpw.ACK, seq: (PEER_ISN + 1 + k.sent) | 0, ack: (iss + (rel ?? 1 + k.written)) | 0, window: w ?? win, srcPort: port });
    },
    data(len) {
      p.send({ flags: tcpw.ACK | tcpw.PSH, seq: (PEER_ISN + 1 + k.sent) | 0, ack: (iss + 1 + k.written) | 0, window: win, srcPort: port, data: new Uint8Array(len) });
      k.sent += len;
    },
    rst(seq) {
      p.send({ flags: tcpw.RST, seq, srcPort: port });
    },
    cc() {
      p.stack.tcpCongestion(c, out);
      return Array.from(out);
    },
    write(len) {
      const n = p.stack.tcpWrite(c, new Uint8Array(len), 0, len);
      if (n > 0) k.written += n;
      return n;
    },
  };
  return k;
}

/** Record the EV_CLOSED reasons the stack reports, per handle. */
function closings(p: RawPeer): Map<number, number[]> {
  const m = new Map<number, number[]>();
  p.stack.onTcp((c, e, d) => {
    if (e !== C.EV_CLOSED) return;
    if (!m.has(c)) m.set(c, []);
    m.get(c)!.push(d);
  });
  return m;
}

/** Gaps between successive times, the first measured from `from`. */
function gaps(times: number[], from: number): number[] {
  return times.map((t, j) => t - (j === 0 ? from : times[j - 1]));
}

/** A keepalive probe (RFC 9293 §3.8.4): <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data. Relative numbers. */
function isProbe(s: Out, written: number): boolean {
  return s.flags === tcpw.ACK && s.len === 0 && s.seq === written;
}

// =========================================================================================

describe('MUST-17: Nagle is on by default and the application turns it off per connection (RFC 9293 §3.7.4)', () => {
  // The timing on the wire is in test/scripts/data/nagle.pkt; this shows the switch is per connection.
  it('tcpSetNoDelay on one connection lets its short segments go while unacknowledged; the other connection still waits for the ACK', () => {
    const p = rawPeer();
    const l = p.stack.tcpListen(80, 4);
    const a = accept(p, { l, port: 40001 });
    const b = accept(p, { l, port: 40002 });
    p.stack.tcpSetNoDelay(a.c, true);
    for (const k of [a, b]) {
      k.write(10);
      k.write(10);
    }
    const outs = take(p);
    expect(a.mine(outs).map((s) => [s.seq, s.len])).toEqual([[1, 10], [11, 10]]);
    expect(b.mine(outs).map((s) => [s.seq, s.len])).toEqual([[1, 10]]); // the second is held
    b.ack(11);
    expect(b.mine(take(p)).map((s) => [s.seq, s.len])).toEqual([[11, 10]]);
    expect(() => p.stack.tcpSetNoDelay(99, true)).toThrow(/not an open connection/);
  });
});

describe('MUST-18: the RTO follows RFC 6298, with the Karn algorithm (RFC 9293 §3.8.1)', () => {
  it('first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4·RTTVAR) (§2.2), kept within [tcpRtoMin, tcpRtoMax] (§2.4, §2.5)', () => {
    for (const r of [20, 60, 100, 300, 1000, 5000, 30000]) {
      // A long initial RTO, so even a slow handshake's SYN-ACK is never resent (which would
      // make the sample ambiguous).
      const p = rawPeer({ tcpRtoInitial: 60000 });
      const k = accept(p, { rtt: r });
      const want = Math.min(Math.max(r + Math.max(1, 4 * (r / 2)), DEFAULTS.tcpRtoMin), DEFAULTS.tcpRtoMax);
      expect([r, k.cc()[3]]).toEqual([r, want]);
    }
    // Before any sample: the initial RTO, 1 s (§2.1): the SYN-ACK is resent after 1 s.
    const p = rawPeer();
    p.stack.tcpListen(80, 1);
    p.send({ flags: tcpw.SYN, seq: PEER_ISN, window: 65535, mss: 1460 });
    const [sa] = take(p);
    expect(DEFAULTS.tcpRtoInitial).toBe(1000);
    expect(runTo(p, 1000).map((s) => [s.t, s.flags, s.seq])).toEqual([[1000, tcpw.SYN | tcpw.ACK, sa.seq]]);
  });

  it('later samples R\': RTTVAR = 3/4·RTTVAR + 1/4·|SRTT - R\'|, then SRTT = 7/8·SRTT + 1/8·R\' (§2.3)', () => {
    const p = rawPeer();
    const k = accept(p, { rtt: 300 });
    expect(k.cc()[3]).toBe(900);
    let srtt = 300;
    let rttvar = 150;
    let t = 1000;
    // (Each R' stays below the RTO of the moment: a retransmission would make it ambiguous.)
    for (const r of [100, 500, 40, 40, 40, 900, 250]) {
      p.at(t);
      k.write(10);
      expect(k.mine(take(p)).map((s) => s.len)).toEqual([10]);
      p.at(t + r);
      k.ack();
      rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - r);
      srtt = 0.875 * srtt + 0.125 * r;
      const rto = Math.min(Math.max(srtt + Math.max(1, 4 * rttvar), DEFAULTS.tcpRtoMin), DEFAULTS.tcpRtoMax);
      expect(k.cc()[3]).toBe(Math.trunc(rto));
      t += 5000;
    }
  });

  it('Karn: the ACK of a retransmitted segment gives no sample and the backed-off RTO stays; the next segment sent once gives a sample again (§3, §5.5, §5.7)', () => {
    const p = rawPeer();
    const k = accept(p, { rtt: 300 }); // RTO 900
    p.at(1000);
    k.write(10);
    expect(k.mine(runTo(p, 1900)).map((s) => [s.t, s.seq, s.len])).toEqual([[1000, 1, 10], [1900, 1, 10]]);
    expect(k.cc()[3]).toBe(1800); // backed off
    // Acknowledged 10 ms after the retransmission: a sample of 10 (or of 910, from the first
    // transmission) would bring the RTO down to 1003 (or 1436). Neither is taken.
    p.at(1910);
    k.ack();
    expect(k.cc()[3]).toBe(1800);
    // So the next segment, lost too, waits the whole 1800 ms.
    p.at(3000);
    k.write(10);
    expect(k.mine(runTo(p, 4800)).map((s) => [s.t, s.seq])).toEqual([[3000, 11], [4800, 11]]);
    expect(k.cc()[3]).toBe(3600);
    p.at(4810);
    k.ack();
    expect(k.cc()[3]).toBe(3600);
    // A segment sent once, acknowledged after 100 ms: a real sample, computed from the SRTT and
    // RTTVAR the losses left alone (300, 150): RTTVAR 162.5, SRTT 275, RTO 925.
    p.at(6000);
    k.write(10);
    take(p);
    p.at(6100);
    k.ack();
    expect(k.cc()[3]).toBe(925);
  });

  it('starts the data RTO at 3 s when the SYN was retransmitted and so gave no sample (RFC 6298 §5.7)', () => {
    const p = rawPeer();
    const c = p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = take(p);
    expect(runTo(p, 1000).map((s) => [s.t, s.flags])).toEqual([[1000, tcpw.SYN]]);
    p.at(1050);
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 7000, ack: (syn.seq + 1) | 0, mss: 1460, window: 65535, srcPort: 80, dstPort: 5000 });
    expect(p.stack.tcpState(c)).toBe(C.ESTABLISHED);
    const out = new Int32Array(4);
    p.stack.tcpCongestion(c, out);
    expect(out[3]).toBe(3000);
  });
});

describe('MUST-19: slow start, congestion avoidance, exponential backoff (RFC 9293 §3.8.2; RFC 5681 §3.1; RFC 6298 §5.5)', () => {
  it('slow start: cwnd starts at IW = min(4·SMSS, max(2·SMSS, 4380)) and grows by min(N, SMSS) per ACK', () => {
    const p = rawPeer({ tcpSndBuf: 4096 });
    const k = accept(p);
    expect(k.cc()[0]).toBe(4 * MSS);
    expect(k.cc()[1]).toBe(0x7fffffff); // ssthresh starts "arbitrarily high"
    p.at(1000);
    expect(k.write(4096)).toBe(4096);
    expect(k.mine(take(p)).map((s) => s.seq)).toEqual([1, 257, 513, 769]);
    const cwnd: number[] = [];
    for (const a of [257, 513, 1025, 1537]) {
      k.ack(a);
      cwnd.push(k.cc()[0]);
    }
    // One SMSS per ACK, even for the ACKs that cover two segments (byte counting with L = 1 SMSS).
    expect(cwnd).toEqual([5 * MSS, 6 * MSS, 7 * MSS, 8 * MSS]);
  });

  it('a timeout sets ssthresh = max(FlightSize/2, 2·SMSS) and cwnd = 1 SMSS; slow start up to ssthresh, then congestion avoidance adds one SMSS per cwnd of data acknowledged', () => {
    const p = rawPeer({ tcpSndBuf: 4096 });
    const k = accept(p); // RTO 300
    p.at(1000);
    k.write(4096);
    expect(k.mine(take(p))).toHaveLength(4);
    // One segment resent: cwnd is one SMSS.
    expect(k.mine(runTo(p, 1300)).map((s) => [s.t, s.seq, s.len])).toEqual([[1300, 1, MSS]]);
    expect(k.cc()).toEqual([MSS, 1024 / 2, 65535, 600]);
    expect(p.stack.counters[stats.CNT_TCP_RTO_TIMEOUTS]).toBe(1);
    p.at(1310);
    const cwnd: number[] = [];
    for (let a = 257; a <= 2049; a += 256) {
      k.ack(a);
      cwnd.push(k.cc()[0]);
    }
    expect(cwnd).toEqual([512, 512, 768, 768, 768, 1024, 1024, 1024]);
    expect(k.cc()[1]).toBe(512);
  });

  it('fast retransmit: ssthresh = FlightSize/2, cwnd = ssthresh + 3·SMSS, +1 SMSS per further duplicate, min(ssthresh, max(FlightSize, SMSS) + SMSS) on the full ACK (RFC 5681 §3.2, RFC 6582 §3.2)', () => {
    const p = rawPeer({ tcpSndBuf: 4096 });
    const k = accept(p);
    p.at(1000);
    k.write(4096);
    take(p);
    k.ack(1); // duplicate 1: limited transmit (1025:1281)
    k.ack(1); // duplicate 2: limited transmit (1281:1537)
    expect(k.mine(take(p)).map((s) => s.seq)).toEqual([1025, 1281]);
    expect(k.cc()[0]).toBe(1024); // limited transmit leaves cwnd alone (RFC 3042 §2)
    k.ack(1); // duplicate 3
    expect(k.mine(take(p)).map((s) => s.seq)).toEqual([1]);
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(1);
    expect(k.cc().slice(0, 2)).toEqual([768 + 3 * MSS, 768]); // FlightSize 1536
    k.ack(1); // duplicate 4: inflate, one new segment
    expect(k.cc()[0]).toBe(768 + 4 * MSS);
    expect(k.mine(take(p)).map((s) => s.seq)).toEqual([1537]);
    p.at(1050);
    k.ack(1793); // everything before recovery began (recover = 1537) and more: a full ACK
    // RFC 6582 §3.2 step 3 option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS) = min(768, 512).
    expect(k.cc()[0]).toBe(512);
    expect(p.stack.counters[stats.CNT_TCP_RTO_TIMEOUTS]).toBe(0);
  });

  it('backs the RTO off exponentially on each expiry, up to tcpRtoMax (60 s), without giving up while R2 allows', () => {
    const p = rawPeer();
    const k = accept(p); // RTO 300
    p.stack.tcpSetR2(k.c, 86400000);
    p.at(1000);
    k.write(10);
    take(p);
    const times = k.mine(runTo(p, 1000 + 400000)).map((s) => s.t);
    expect(gaps(times, 1000)).toEqual([300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 60000, 60000, 60000, 60000, 60000]);
    expect(k.cc()[3]).toBe(60000);
    expect(p.stack.tcpState(k.c)).toBe(C.ESTABLISHED);
  });
});

describe('MUST-20, MUST-21: R1 is counted, R2 closes the connection with ETIMEDOUT, R2 is set per connection (RFC 9293 §3.8.3)', () => {
  it('R1 counts the third retransmission and the connection goes on; past its own R2 (tcpSetR2) a connection closes quietly with ETIMEDOUT, while another keeps the default R2 of 100 s', () => {
    const p = rawPeer();
    const reasons = closings(p);
    const l = p.stack.tcpListen(80, 4);
    const a = accept(p, { l, port: 40001 }); // RTO 300
    const b = accept(p, { l, port: 40002 }); // RTO 300
    expect(DEFAULTS.tcpR1).toBe(3);
    expect(DEFAULTS.tcpR2).toBe(100000);
    p.stack.tcpSetR2(a.c, 5000);
    expect(() => p.stack.tcpSetR2(a.c, 0)).toThrow(/R2 \(ms\) must be/);
    p.at(1000);
    a.write(10);
    let outs = runTo(p, 1500);
    b.write(10);
    // a: resent at +300, +900, +2100 (the third: R1), +4500 (all within R2 = 5 s of the first
    // transmission); the expiry at +9300 is past R2: a gives up, sending nothing.
    outs = outs.concat(runTo(p, 3099));
    expect(p.stack.counters[stats.CNT_TCP_R1]).toBe(0);
    outs = outs.concat(runTo(p, 3100));
    expect(p.stack.counters[stats.CNT_TCP_R1]).toBe(1); // a's third retransmission
    outs = outs.concat(runTo(p, 10299));
    expect(p.stack.tcpState(a.c)).toBe(C.ESTABLISHED);
    outs = outs.concat(runTo(p, 10300));
    expect(a.mine(outs).map((s) => s.t)).toEqual([1000, 1300, 1900, 3100, 5500]);
    expect(p.stack.tcpState(a.c)).toBe(C.CLOSED);
    expect(reasons.get(a.c)).toEqual([C.REASON_TIMEOUT]);
    expect(p.stack.tcpWrite(a.c, new Uint8Array(1), 0, 1)).toBe(-E.ETIMEDOUT);
    expect(p.stack.tcpError(a.c)).toBe(E.ETIMEDOUT);
    expect(p.stack.counters[stats.CNT_TCP_TIMEOUTS]).toBe(1);
    // b (R1 at its own third retransmission, 3.6 s) is alive 100 s after its first
    // transmission, and gives up at the first expiry past R2: 1.5 + 136.5 s.
    expect(p.stack.counters[stats.CNT_TCP_R1]).toBe(2);
    outs = outs.concat(runTo(p, 137999));
    expect(p.stack.tcpState(b.c)).toBe(C.ESTABLISHED);
    outs = outs.concat(runTo(p, 138000));
    expect(b.mine(outs).map((s) => s.t)).toEqual([1500, 1800, 2400, 3600, 6000, 10800, 20400, 39600, 78000]);
    expect(p.stack.tcpState(b.c)).toBe(C.CLOSED);
    expect(reasons.get(b.c)).toEqual([C.REASON_TIMEOUT]);
    expect(p.stack.tcpError(b.c)).toBe(E.ETIMEDOUT);
  });
});

describe('MUST-22, MUST-23: SYN retransmissions use the same R1/R2 mechanism, R2 for a SYN at least 3 minutes (RFC 9293 §3.8.3)', () => {
  // The timing (backoff 1, 2, 4 ... 60 s; ETIMEDOUT once 180 s have passed) is shown on the
  // wire by test/scripts/scenarios/syn-retransmit.pkt.
  it('the third SYN retransmission counts R1; the configuration refuses a SYN R2 under 180 s', () => {
    const p = rawPeer();
    p.stack.tcpConnect(PEER, 80, 5000);
    take(p);
    expect(runTo(p, 6999).map((s) => s.t)).toEqual([1000, 3000]);
    expect(p.stack.counters[stats.CNT_TCP_R1]).toBe(0);
    expect(runTo(p, 7000).map((s) => [s.t, s.flags])).toEqual([[7000, tcpw.SYN]]);
    expect(p.stack.counters[stats.CNT_TCP_R1]).toBe(1);
    expect(DEFAULTS.tcpSynR2).toBe(180000);
    expect(() => createStack({ tcpSynR2: 179999 }, captureHal())).toThrow(/tcpSynR2/);
    expect(() => createStack({ tcpSynR2: 180000 }, captureHal())).not.toThrow();
  });
});

describe('MUST-24..29: keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6)', () => {
  it('MUST-25, MUST-28, MUST-24: off by default (3 h idle: no probe); switched on for one connection, its first probe comes after the default 2 h of idleness; the other connection is never probed', () => {
    expect(DEFAULTS.tcpKeepIdle).toBeGreaterThanOrEqual(2 * 3600 * 1000);
    const p = rawPeer();
    const reasons = closings(p);
    const l = p.stack.tcpListen(80, 4);
    const a = accept(p, { l, port: 40001 });
    const b = accept(p, { l, port: 40002 });
    const t0 = p.hal.time;
    p.stack.tcpSetKeepAlive(a.c, true);
    expect(runTo(p, t0 + 7200000 - 1)).toEqual([]);
    const first = runTo(p, t0 + 7200000);
    expect(a.mine(first).map((s) => [s.t - t0, s.flags, s.seq, s.ack, s.len])).toEqual([[7200000, tcpw.ACK, 0, 1, 0]]);
    expect(p.stack.counters[stats.CNT_TCP_KEEPALIVE_PROBES]).toBe(1);
    // Unanswered, a's probes repeat every 75 s (the default interval); after 9 (the default
    // count) a is declared dead. b sends nothing in 3 hours.
    const rest = runTo(p, t0 + 3 * 3600 * 1000);
    expect(b.mine(first.concat(rest))).toEqual([]);
    expect(gaps(a.mine(rest).map((s) => s.t), t0 + 7200000)).toEqual(Array(8).fill(DEFAULTS.tcpKeepIntvl));
    expect(DEFAULTS.tcpKeepIntvl).toBe(75000);
    expect(p.stack.tcpState(a.c)).toBe(C.CLOSED);
    expect(reasons.get(a.c)).toEqual([C.REASON_TIMEOUT]);
    expect(p.stack.tcpState(b.c)).toBe(C.ESTABLISHED);
  });

  it('MUST-27, MUST-29: the interval is configurable; one unanswered probe does not kill the connection, tcpKeepCnt of them do (ETIMEDOUT, nothing sent)', () => {
    const p = rawPeer({ tcpKeepIdle: 10000, tcpKeepIntvl: 1000, tcpKeepCnt: 3 });
    const reasons = closings(p);
    const k = accept(p);
    const t0 = p.hal.time;
    p.stack.tcpSetKeepAlive(k.c, true);
    expect(k.mine(runTo(p, t0 + 10000)).map((s) => s.t - t0)).toEqual([10000]);
    expect(p.stack.tcpState(k.c)).toBe(C.ESTABLISHED); // one probe lost: still alive
    const probes = k.mine(runTo(p, t0 + 12999));
    expect(probes.map((s) => s.t - t0)).toEqual([11000, 12000]);
    expect(probes.every((s) => isProbe(s, 0))).toBe(true);
    expect(p.stack.tcpState(k.c)).toBe(C.ESTABLISHED);
    expect(runTo(p, t0 + 13000)).toEqual([]);
    expect(p.stack.tcpState(k.c)).toBe(C.CLOSED);
    expect(reasons.get(k.c)).toEqual([C.REASON_TIMEOUT]);
    expect(p.stack.tcpError(k.c)).toBe(E.ETIMEDOUT);
    // MUST-29 in the configuration: a count of 1 is refused.
    expect(() => createStack({ tcpKeepCnt: 1 }, captureHal())).toThrow(/tcpKeepCnt/);
  });

  it('an answered probe proves the peer alive: the count starts again and the connection lives on', () => {
    const p = rawPeer({ tcpKeepIdle: 10000, tcpKeepIntvl: 1000, tcpKeepCnt: 3 });
    const k = accept(p);
    const t0 = p.hal.time;
    p.stack.tcpSetKeepAlive(k.c, true);
    runTo(p, t0 + 11000); // probes at 10 s and 11 s, unanswered
    p.at(t0 + 11010);
    k.ack(); // the peer answers the second
    // Idle again from 11.01 s: the next probe at 21.01 s, not 12 s; the connection outlives 13 s.
    expect(k.mine(runTo(p, t0 + 21010)).map((s) => s.t - t0)).toEqual([21010]);
    expect(p.stack.tcpState(k.c)).toBe(C.ESTABLISHED);
    for (let n = 1; n <= 5; n++) {
      p.at(p.hal.time + 5);
      k.ack();
      expect(k.mine(runTo(p, p.hal.time + 10000)).map((s) => s.len)).toEqual([0]);
    }
    expect(p.stack.tcpState(k.c)).toBe(C.ESTABLISHED);
  });

  it('MUST-26: only when idle: anything received restarts the idle time, and no probe goes while data is unacknowledged', () => {
    const p = rawPeer({ tcpKeepIdle: 10000, tcpKeepIntvl: 1000, tcpKeepCnt: 3 });
    const k = accept(p);
    const t0 = p.hal.time;
    p.stack.tcpSetKeepAlive(k.c, true);
    // Data from the peer at 8 s: the first probe moves from 10 s to 18 s.
    p.at(t0 + 8000);
    k.data(10);
    expect(k.mine(take(p)).map((s) => s.ack)).toEqual([11]); // our ACK of it
    expect(k.mine(runTo(p, t0 + 18000)).map((s) => [s.t - t0, s.seq, s.ack, s.len])).toEqual([[18000, 0, 11, 0]]);
    p.at(t0 + 18010);
    k.ack(); // answered: idle from 18.01 s
    // We send data at 20 s that the peer does not acknowledge until 30 s: at 28.01 s the
    // connection is not idle (data outstanding): retransmissions only, no probe.
    p.at(t0 + 20000);
    k.write(10);
    const busy = k.mine(runTo(p, t0 + 30000));
    expect(busy.length).toBeGreaterThan(1);
    expect(busy.every((s) => s.len === 10 && s.seq === 1)).toBe(true);
    expect(p.stack.counters[stats.CNT_TCP_KEEPALIVE_PROBES]).toBe(1);
    k.ack();
    // Idle from 30 s: the next probe at 40 s, with SEG.SEQ = SND.UNA - 1 = 10.
    const next = k.mine(runTo(p, t0 + 40000));
    expect(next.map((s) => [s.t - t0, s.seq, s.len])).toEqual([[40000, 10, 0]]);
    expect(isProbe(next[0], 10)).toBe(true);
  });

  it('a peer that rebooted answers the probe with a RST: the half-open connection is reset (ECONNRESET)', () => {
    const p = rawPeer({ tcpKeepIdle: 10000, tcpKeepIntvl: 1000, tcpKeepCnt: 3 });
    const reasons = closings(p);
    const k = accept(p);
    const t0 = p.hal.time;
    p.stack.tcpSetKeepAlive(k.c, true);
    const [probe] = runTo(p, t0 + 10000);
    expect(probe.len).toBe(0);
    // RFC 9293 §3.10.7.1: the peer has no connection; our probe carries ACK, so its RST has
    // SEQ = the probe's ACK field, which is our RCV.NXT: acceptable.
    p.at(t0 + 10010);
    k.rst(probe.ack);
    expect(p.stack.tcpState(k.c)).toBe(C.CLOSED);
    expect(reasons.get(k.c)).toEqual([C.REASON_RESET]);
    expect(p.stack.tcpRead(k.c, new Uint8Array(10), 0, 10)).toBe(-E.ECONNRESET);
    expect(runTo(p, t0 + 20000)).toEqual([]);
  });
});

describe('MUST-35..37: zero-window probing; the connection stays open while the window stays shut (RFC 9293 §3.8.6.1)', () => {
  it('MUST-37: 30 minutes of zero window, every probe ACKed: one-octet probes with exponential backoff capped at 60 s, no retransmission machinery, the connection open, and the data goes when the window opens', () => {
    const p = rawPeer();
    const k = accept(p, { win: 0 }); // RTO 300
    p.at(1000);
    k.write(100);
    expect(take(p)).toEqual([]);
    const probes: Out[] = [];
    const end = 1000 + 30 * 60 * 1000;
    for (let guard = 0; guard < 10000; guard++) {
      const next = p.stack.poll(p.hal.time);
      if (!(next <= end)) break;
      p.at(next);
      for (const s of k.mine(take(p))) {
        probes.push(s);
        p.at(p.hal.time + 10);
        k.ack(1, 0); // "thanks, still no room"
        expect(k.mine(take(p))).toEqual([]);
      }
    }
    expect(probes.every((s) => s.seq === 1 && s.len === 1)).toBe(true);
    const want = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400];
    while (want.reduce((x, y) => x + y, 0) + 60000 <= end - 1000) want.push(60000);
    expect(gaps(probes.map((s) => s.t), 1000)).toEqual(want);
    expect(p.stack.counters[stats.CNT_TCP_WINDOW_PROBES]).toBe(want.length);
    expect(p.stack.counters[stats.CNT_TCP_FAST_RETRANSMITS]).toBe(0);
    expect(p.stack.counters[stats.CNT_TCP_RTO_TIMEOUTS]).toBe(0);
    expect(p.stack.tcpState(k.c)).toBe(C.ESTABLISHED);
    k.ack(1, 1000);
    expect(k.mine(take(p)).map((s) => [s.seq, s.len])).toEqual([[1, 100]]);
  });

  it('a peer that holds the window shut and never answers: probes back off, and R2 after the first unanswered one the connection ends with ETIMEDOUT (MUST-37 keeps it open only while probes are answered)', () => {
    const p = rawPeer();
    const reasons = closings(p);
    const k = accept(p, { win: 0 });
    p.at(1000);
    k.write(100);
    const sent = k.mine(runTo(p, 1000 + 30 * 60 * 1000));
    expect(sent.every((s) => s.seq === 1 && s.len === 1)).toBe(true); // probes only, nothing after the end
    const g = gaps(sent.map((s) => s.t), 1000);
    expect(g).toEqual([300, 600, 1200, 2400, 4800, 9600, 19200, 38400]);
    expect(p.stack.tcpState(k.c)).toBe(C.CLOSED);
    expect(reasons.get(k.c)).toEqual([C.REASON_TIMEOUT]);
    expect(p.stack.tcpError(k.c)).toBe(E.ETIMEDOUT);
    // The end came R2 after the first probe (tcpR2, 100 s), between two probes.
    const tr = p.stack.trace;
    const last = tr.size() - 1;
    expect([tr.conn(last), tr.to(last), tr.time(last)]).toEqual([k.c, C.CLOSED, sent[0].t + DEFAULTS.tcpR2]);
  });

  it('tcpPersistLimit (sockstress, CVE-2008-4609): a window held shut past the limit ends the connection with a RST and ETIMEDOUT, even though the peer ACKs the probes', () => {
    expect(DEFAULTS.tcpPersistLimit).toBe(0); // never, unless the operator asks (MUST-37)
    const p = rawPeer({ tcpPersistLimit: 30000 });
    const reasons = closings(p);
    const k = accept(p, { win: 0 });
    p.at(1000);
    k.write(100);
    const sent: Out[] = [];
    for (let guard = 0; guard < 1000 && p.stack.tcpState(k.c) !== C.CLOSED; guard++) {
      const next = p.stack.poll(p.hal.time);
      if (!(next <= 200000)) break;
      p.at(next);
      for (const s of k.mine(take(p))) {
        sent.push(s);
        if (s.len > 0) {
          p.at(p.hal.time + 10);
          k.ack(1, 0);
        }
      }
    }
    const rst = sent.filter((s) => s.flags & tcpw.RST);
    expect(rst).toHaveLength(1);
    // Probes at +0.3, 0.9, 2.1, 4.5, 9.3, 18.9 s (all ACKed); the persist timeout at +38.1 s is
    // the first one past 30 s of zero window.
    expect(gaps(sent.filter((x) => x.len > 0).map((x) => x.t), 1000)).toEqual([300, 600, 1200, 2400, 4800, 9600]);
    expect(rst[0].t - 1000).toBe(38100);
    expect(rst[0].seq).toBe(1);
    expect(p.stack.tcpState(k.c)).toBe(C.CLOSED);
    expect(reasons.get(k.c)).toEqual([C.REASON_TIMEOUT]);
    expect(p.stack.tcpError(k.c)).toBe(E.ETIMEDOUT);
  });
});

describe('MUST-40: the ACK delay is under 0.5 s (RFC 9293 §3.8.6.3)', () => {
  it('by default an in-order segment is ACKed 100 ms later; the configuration refuses 500 ms', () => {
    expect(DEFAULTS.tcpAckDelay).toBe(100);
    const p = rawPeer({ tcpAckDelay: undefined }); // the stack's own default, not rawPeer's 0
    const k = accept(p);
    const t0 = p.hal.time;
    k.data(10);
    expect(take(p)).toEqual([]);
    expect(k.mine(runTo(p, t0 + 1000)).map((s) => [s.t - t0, s.ack, s.len])).toEqual([[100, 11, 0]]);
    expect(() => createStack({ tcpAckDelay: 500 }, captureHal())).toThrow(/tcpAckDelay/);
    expect(() => createStack({ tcpAckDelay: 499 }, captureHal())).not.toThrow();
  });
});

describe('MUST-58, MUST-59: ACKs are aggregated; queued segments are all processed before the ACK (RFC 9293 §3.10.7.4, first step)', () => {
  // The wire view (back-to-back segments, an out-of-order burst and the segment filling the
  // hole) is in test/scripts/data/delayed-ack.pkt and out-of-order.pkt; here several segments
  // reach the stack in ONE read from the line, the way a UART hands over a burst.
  /** The SLIP frame of a data segment from the peer (seq relative to its ISN). */
  function dataFrame(k: Conn, rel: number, len: number): Uint8Array {
    const r = new tcpw.TcpRepr();
    r.srcPort = k.port; r.dstPort = 80; r.seq = (PEER_ISN + rel) | 0; r.ack = (k.iss + 1) | 0;
    r.flags = tcpw.ACK; r.window = 65535; r.mss = 0; r.payloadLen = len;
    const buf = new Uint8Array(tcpw.headerLen(r) + len);
    tcpw.emit(r, buf, 0, PEER, BOARD);
    return slipFrame(ipPacket({ src: PEER, dst: BOARD, protocol: ipv4.PROTO_TCP }, buf));
  }

  /** Several frames in one read from the line, as a UART delivers a burst. */
  function burst(p: RawPeer, frames: Uint8Array[]): void {
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let off = 0;
    for (const f of frames) { all.set(f, off); off += f.length; }
    p.hal.deliverBytes(all);
  }

  it('two in-order segments in one read: one ACK, for both', () => {
    const p = rawPeer({ tcpAckDelay: 100 });
    const k = accept(p);
    const t0 = p.hal.time;
    burst(p, [dataFrame(k, 1, 100), dataFrame(k, 101, 100)]);
    expect(k.mine(runTo(p, t0 + 500)).map((s) => [s.t - t0, s.ack])).toEqual([[100, 201]]);
  });
});

describe('MUST-59 (RFC 9293 §3.10.7.4): all queued segments are processed before any ACK is sent', () => {
  /** One chunk of line bytes holding several data segments (as a UART delivers a burst). */
  const burst = (p: RawPeer, c: Conn, parts: [number, number][]) => {
    const frames = parts.map(([off, len]) => {
      const r = new tcpw.TcpRepr();
      r.srcPort = 40000; r.dstPort = 80; r.seq = (PEER_ISN + 1 + off) | 0; r.ack = (c.iss + 1) | 0;
      r.flags = tcpw.ACK; r.window = 65535; r.payloadLen = len;
      const seg = new Uint8Array(20 + len);
      for (let k = 0; k < len; k++) seg[20 + k] = (off + k) & 0xff;
      tcpw.emit(r, seg, 0, PEER, BOARD);
      return slipFrame(ipPacket({ src: PEER, dst: BOARD, protocol: ipv4.PROTO_TCP }, seg));
    });
    const all = new Uint8Array(frames.reduce((a, f) => a + f.length, 0));
    let o = 0;
    for (const f of frames) { all.set(f, o); o += f.length; }
    p.hal.deliverBytes(all);
  };

  it('a burst with a hole filled at its end gets ONE cumulative ACK, not one per segment', () => {
    const p = rawPeer({ tcpAckDelay: 100 });
    const c = accept(p);
    take(p);
    burst(p, c, [[256, 256], [512, 256], [768, 256], [0, 256]]);
    const acks = take(p).filter((s) => s.flags === tcpw.ACK);
    expect(acks.map((s) => (s.ack - PEER_ISN - 1) | 0)).toEqual([1024]);
  });

  it('four in-order full segments in one chunk: one ACK for all of them', () => {
    const p = rawPeer({ tcpAckDelay: 100 });
    const c = accept(p);
    take(p);
    burst(p, c, [[0, 256], [256, 256], [512, 256], [768, 256]]);
    const acks = take(p).filter((s) => s.flags === tcpw.ACK);
    expect(acks.map((s) => (s.ack - PEER_ISN - 1) | 0)).toEqual([1024]);
  });
});
