/**
 * Congestion control and loss recovery on the send side: what an arriving ACK does to the
 * sender (RFC 9293 §3.10.7.4 fifth step, the part past the acceptability checks).
 *
 * Contract:
 * - `newAck` (SND.UNA < SEG.ACK <= SND.MAX) frees acknowledged data from the send ring, takes
 *   an RTT sample (RFC 6298 §2, Karn's rule), grows cwnd (RFC 5681 slow start and congestion
 *   avoidance with byte counting) or handles a partial ACK in NewReno recovery (RFC 6582), and
 *   restarts or stops the retransmission timer (RFC 6298 §5.2/5.3).
 * - `isDupAck`/`dupAck` count duplicate ACKs (RFC 5681 §2) and start fast retransmit at three,
 *   or earlier: RFC 5827 early retransmit, RFC 6675 IsLost with SACK, and RACK's verdict for a
 *   flight that cannot grow (see dupAck).
 * - `sackArrived` keeps the peer's SACK blocks in the scoreboard (RFC 2018, RFC 6675 §3);
 *   `sackRetransmit` resends the next hole below SACKed data (RFC 6675 NextSeg, one per ACK).
 * The retransmission timeout itself is in timers.ts.
 */
import * as tcpw from '../wire/tcp.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { seqLt, seqGt } from '../wire/seq.js';
import { ringDiscard } from '../storage/ring.js';
import { asmAdd, asmTrim, asmCovered, asmNextHole, asmHighest } from '../storage/assembler.js';
import {
  W32, W64, W8, FL, SND_UNA, SND_NXT, SND_MAX, SND_WND, MAX_SND_WND, SND_FIN, SND_MSS, RTT_SEQ, CWND, SSTHRESH,
  CA_ACKED, RECOVER, HIGH_RXT, RXT_MARK, SRTT, RTTVAR, RTO, RTT_TIME, RTX_START, T_RTX, PENDING, RTX_COUNT, DUP_ACKS,
  PERSIST_SHIFT, F_SYN_ACKED, F_FIN_SENT, F_RECOVERY, F_SACK, P_WRITABLE, OFF, NEVER, arm
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { sendSegment } from './output.js';
import { SACK, CC_EXTRAS } from '../features.js';

/** RFC 6298 §2 and Karn's rule (MUST-18): time one segment at a time, never a retransmitted one. */
export function rttSample(t: Tcb, i: number, ack: number): void {
  const v = t.v;
  const tm = t.tm;
  const B32 = i * W32;
  const B64 = i * W64;
  if (tm[B64 + RTT_TIME] === NEVER || !seqGt(ack, v[B32 + RTT_SEQ])) return;
  const r = t.now - tm[B64 + RTT_TIME];
  tm[B64 + RTT_TIME] = NEVER;
  if (tm[B64 + SRTT] === 0) {
    tm[B64 + SRTT] = r > 0 ? r : 0.001;
    tm[B64 + RTTVAR] = r / 2;
  } else {
    const d = tm[B64 + SRTT] - r;
    tm[B64 + RTTVAR] = 0.75 * tm[B64 + RTTVAR] + 0.25 * (d < 0 ? -d : d);
    tm[B64 + SRTT] = 0.875 * tm[B64 + SRTT] + 0.125 * r;
  }
  // RTO = SRTT + max(G, 4·RTTVAR), G = 1 ms clock granularity, then the configured bounds.
  const k = 4 * tm[B64 + RTTVAR];
  let rto = tm[B64 + SRTT] + (k > 1 ? k : 1);
  if (rto < t.cfg.tcpRtoMin) rto = t.cfg.tcpRtoMin;
  if (rto > t.cfg.tcpRtoMax) rto = t.cfg.tcpRtoMax;
  tm[B64 + RTO] = rto;
}

/** Resend the segment at SND.UNA (fast retransmit, NewReno partial ACK), leaving SND.NXT alone. */
export function retransmitFirst(t: Tcb, i: number): void {
  const v = t.v;
  const tm = t.tm;
  const B32 = i * W32;
  const B64 = i * W64;
  const ring = t.snd[i];
  const mss = v[B32 + SND_MSS];
  let n = ring.len < mss ? ring.len : mss;
  const inFlight = (v[B32 + SND_MAX] - v[B32 + SND_UNA]) | 0;
  if (n > inFlight) n = inFlight;
  // MUST-34 / SHLD-16 (RFC 9293 §3.8.6): retransmit within the window the peer offers now,
  // as Linux trims a retransmission to it (tcp_retransmit_skb). A window cut to zero gets
  // nothing here: the retransmission timer, then the persist timer, probe it.
  if (n > v[B32 + SND_WND]) n = v[B32 + SND_WND];
  tm[B64 + RTT_TIME] = NEVER; // Karn: the sample would be ambiguous
  t.cnt[stats.CNT_TCP_RETRANSMITS]++;
  v[B32 + HIGH_RXT] = (v[B32 + SND_UNA] + n) | 0;
  v[B32 + RXT_MARK] = v[B32 + SND_MAX];
  t.why = ev.WHY_FAST_RETRANSMIT;
  if (n > 0) {
    sendSegment(t, i, v[B32 + SND_UNA], tcpw.ACK | (n === ring.len ? tcpw.PSH : 0), 0, n);
  } else if ((v[B32 + FL] & F_FIN_SENT) && v[B32 + SND_FIN] === v[B32 + SND_UNA]) {
    sendSegment(t, i, v[B32 + SND_UNA], tcpw.FIN | tcpw.ACK, 0, 0);
  }
  t.why = 0;
  arm(t, B64 + T_RTX, t.now + tm[B64 + RTO]);
}

/**
 * RFC 6675 §4 NextSeg, rule 1, for small windows: the first octet at or after
 * max(SND.UNA, HighRxt) that the peer has not SACKed, if SACKed data lies above it (so it
 * was lost, not merely late: a serial line does not reorder), is resent: up to one segment,
 * and not past the next SACKed range. One segment per call; the retransmission timer is
 * left running (§5: it is restarted only by new cumulative ACKs).
 */
export function sackRetransmit(t: Tcb, i: number): void {
  const v = t.v;
  const tm = t.tm;
  const B32 = i * W32;
  const B64 = i * W64;
  const sb = t.sack;
  const sbb = i * t.sackW;
  if (sb[sbb] === 0) return;
  // RFC 8985 §6 (RACK), read in sequence space: data first sent after our last
  // retransmission (at or past rxtMark) has been SACKed, yet holes we resent are still
  // open. A serial line delivers in order, so those retransmissions were lost too: the
  // holes start over from SND.UNA (what did arrive is in the scoreboard and is skipped).
  if (seqGt(asmHighest(sb, sbb), v[B32 + RXT_MARK]) && seqGt(v[B32 + HIGH_RXT], v[B32 + SND_UNA])) {
    v[B32 + HIGH_RXT] = v[B32 + SND_UNA];
    t.cnt[stats.CNT_TCP_LOST_RETRANSMITS]++;
  }
  let s = seqGt(v[B32 + HIGH_RXT], v[B32 + SND_UNA]) ? v[B32 + HIGH_RXT] : v[B32 + SND_UNA];
  s = asmNextHole(sb, sbb, s);
  if (!seqLt(s, asmHighest(sb, sbb))) return;
  let end = (s + v[B32 + SND_MSS]) | 0;
  for (let k = 0; k < sb[sbb]; k++) {
    const a = sb[sbb + 1 + 2 * k];
    if (seqGt(a, s)) {
      if (seqLt(a, end)) end = a;
      break;
    }
  }
  const off = (s - v[B32 + SND_UNA]) | 0;
  const ring = t.snd[i];
  let n = (end - s) | 0;
  if (n > ring.len - off) n = ring.len - off;
  // Within the window the peer offers now (MUST-34, SHLD-16; as in retransmitFirst).
  const room = v[B32 + SND_WND] - off;
  if (n > room) n = room;
  if (n <= 0) return;
  tm[B64 + RTT_TIME] = NEVER; // Karn
  t.cnt[stats.CNT_TCP_RETRANSMITS]++;
  t.cnt[stats.CNT_TCP_SACK_RETRANSMITS]++;
  t.why = ev.WHY_SACK_RETRANSMIT;
  sendSegment(t, i, s, tcpw.ACK | (off + n === ring.len ? tcpw.PSH : 0), off, n);
  t.why = 0;
  v[B32 + HIGH_RXT] = (s + n) | 0;
  v[B32 + RXT_MARK] = v[B32 + SND_MAX];
}

/**
 * The SACK blocks of the segment being processed (RFC 2018 §3) go into the scoreboard.
 * Only blocks wholly above the cumulative ACK and at or below SND.MAX count: anything else
 * (a D-SACK below SND.UNA, RFC 2883, or a forged block past what we sent) is ignored, as
 * is a block the full scoreboard cannot hold. Returns true if any octets were newly SACKed.
 */
export function sackArrived(t: Tcb, i: number, ack: number): boolean {
  const v = t.v;
  const B32 = i * W32;
  const seg = t.seg;
  const sb = t.sack;
  const sbb = i * t.sackW;
  const before = asmCovered(sb, sbb);
  for (let k = 0; k < seg.sackCount; k++) {
    let l = seg.sackLeft[k];
    const r = seg.sackRight[k];
    if (!seqLt(l, r) || !seqGt(r, ack) || seqGt(r, v[B32 + SND_MAX])) continue;
    if (seqLt(l, ack)) l = ack;
    asmAdd(sb, sbb, t.holes, l, r);
  }
  return asmCovered(sb, sbb) > before;
}

/** RFC 5681 §3.1 and RFC 6582: grow cwnd for new data acknowledged, or handle a (partial) ACK in recovery. */
export function congestionOnAck(t: Tcb, i: number, acked: number, flight: number): void {
  const v = t.v;
  const u8 = t.u8;
  const B32 = i * W32;
  const B8 = i * W8;
  const mss = v[B32 + SND_MSS];
  if (v[B32 + FL] & F_RECOVERY) {
    // Without the NewReno extras (features.ts), any new ACK ends recovery (RFC 5681 §3.2 step 6).
    if (!CC_EXTRAS || !seqLt(v[B32 + SND_UNA], v[B32 + RECOVER])) {
      // Full acknowledgment (RFC 6582 §3.2 step 3): deflate to min(ssthresh, FlightSize + SMSS).
      const fs = (v[B32 + SND_MAX] - v[B32 + SND_UNA]) | 0;
      const lim = (fs > mss ? fs : mss) + mss;
      v[B32 + CWND] = v[B32 + SSTHRESH] < lim ? v[B32 + SSTHRESH] : lim;
      v[B32 + FL] &= ~F_RECOVERY;
      u8[B8 + DUP_ACKS] = 0;
    } else {
      // Partial acknowledgment (step 4): the next hole is lost too; resend it at once, deflate
      // cwnd by what was acknowledged and add back one segment. With SACK the hole at
      // SND.UNA may already have been resent (HighRxt is past it): then the next one goes.
      if (!SACK || !(v[B32 + FL] & F_SACK) || !seqGt(v[B32 + HIGH_RXT], v[B32 + SND_UNA])) retransmitFirst(t, i);
      else sackRetransmit(t, i);
      v[B32 + CWND] = v[B32 + CWND] - acked + (acked >= mss ? mss : 0);
      if (v[B32 + CWND] < mss) v[B32 + CWND] = mss;
    }
    return;
  }
  u8[B8 + DUP_ACKS] = 0;
  if (flight <= 0) return;
  if (v[B32 + CWND] < v[B32 + SSTHRESH]) {
    // Slow start, with appropriate byte counting limited to one SMSS per ACK (RFC 5681 eq. 2).
    v[B32 + CWND] += acked < mss ? acked : mss;
  } else {
    // Congestion avoidance: one SMSS per cwnd of data acknowledged (RFC 5681 §3.1, byte counting).
    v[B32 + CA_ACKED] += acked;
    if (v[B32 + CA_ACKED] >= v[B32 + CWND]) {
      v[B32 + CA_ACKED] -= v[B32 + CWND];
      v[B32 + CWND] += mss;
    }
  }
  // No point in growing cwnd far past what the peer's window and our ring allow.
  const cap = v[B32 + MAX_SND_WND] + 4 * mss;
  if (v[B32 + CWND] > cap) v[B32 + CWND] = cap;
}

/** SND.UNA < ack <= SND.NXT: free acknowledged data, sample the RTT, manage the timer. */
export function newAck(t: Tcb, i: number, ack: number): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  let acked = (ack - v[B32 + SND_UNA]) | 0;
  if (!(v[B32 + FL] & F_SYN_ACKED)) {
    // CLOSE in SYN-RECEIVED sent a FIN before the handshake finished: this ACK covers the SYN too.
    v[B32 + FL] |= F_SYN_ACKED;
    acked--;
  }
  if ((v[B32 + FL] & F_FIN_SENT) && seqGt(ack, v[B32 + SND_FIN])) acked--; // the FIN's sequence number
  if (acked > 0) {
    ringDiscard(t.snd[i], acked);
    u8[B8 + PENDING] |= P_WRITABLE;
    t.pend++;
  }
  rttSample(t, i, ack);
  const flight = (v[B32 + SND_MAX] - v[B32 + SND_UNA]) | 0;
  v[B32 + SND_UNA] = ack;
  if (SACK) asmTrim(t.sack, i * t.sackW, ack);
  if (seqLt(v[B32 + SND_NXT], ack)) v[B32 + SND_NXT] = ack;
  u8[B8 + RTX_COUNT] = 0;
  u8[B8 + PERSIST_SHIFT] = 0;
  congestionOnAck(t, i, acked > 0 ? acked : 0, flight);
  // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
  if (v[B32 + SND_UNA] === v[B32 + SND_MAX]) tm[B64 + T_RTX] = OFF;
  else if (tm[B64 + T_RTX] !== OFF || !(v[B32 + FL] & F_RECOVERY)) {
    arm(t, B64 + T_RTX, t.now + tm[B64 + RTO]);
    tm[B64 + RTX_START] = t.now;
  }
}

/**
 * RFC 5681 §2 "DUPLICATE ACKNOWLEDGMENT": same ack, no data, no SYN/FIN, same window, data
 * outstanding. A zero window never counts: those ACKs answer zero-window probes, and taking
 * them for loss signals would retransmit and let R2 kill a connection whose peer is alive
 * (MUST-37).
 */
export function isDupAck(t: Tcb, i: number): boolean {
  const v = t.v;
  const B32 = i * W32;
  const seg = t.seg;
  return seg.ack === v[B32 + SND_UNA] && seg.payloadLen === 0 && !(seg.flags & (tcpw.SYN | tcpw.FIN)) &&
    seg.window !== 0 && seg.window === v[B32 + SND_WND] && v[B32 + SND_MAX] !== v[B32 + SND_UNA] && (v[B32 + FL] & F_SYN_ACKED) !== 0;
}

/** A duplicate ACK: limited transmit, fast retransmit (at 3, or fewer with early retransmit), or recovery inflation. */
export function dupAck(t: Tcb, i: number): void {
  const v = t.v;
  const u8 = t.u8;
  const B32 = i * W32;
  const B8 = i * W8;
  const mss = v[B32 + SND_MSS];
  if (u8[B8 + DUP_ACKS] < 255) u8[B8 + DUP_ACKS]++;
  if (v[B32 + FL] & F_RECOVERY) {
    // RFC 6582 §3.2 step 4 (RFC 5681 §3.2 step 4): each further duplicate inflates cwnd.
    v[B32 + CWND] += mss;
    // RFC 6675 §5 (C): with SACK, each ACK also lets one more hole go out.
    if (SACK && (v[B32 + FL] & F_SACK)) sackRetransmit(t, i);
    return;
  }
  // RFC 5827 early retransmit: with fewer than four segments outstanding and nothing new
  // to send, three duplicate ACKs can never come, so the threshold drops to oseg - 1.
  let thresh = 3;
  const flight = (v[B32 + SND_MAX] - v[B32 + SND_UNA]) | 0;
  const oseg = ((flight + mss - 1) / mss) | 0;
  const unsent = t.snd[i].len - ((v[B32 + SND_MAX] - v[B32 + SND_UNA]) | 0);
  if (CC_EXTRAS && oseg < 4 && unsent <= 0) thresh = oseg - 1 > 1 ? oseg - 1 : 1;
  // A flight that cannot grow (everything in the send ring is out, so limited transmit has
  // nothing to send) never brings three duplicate ACKs once a second segment of it is lost
  // too: the board's four-segment ring would wait for the RTO. With SACK the receiver says
  // what arrived, and two segments SACKed above SND.UNA mark it lost: RFC 8985 (RACK) gives
  // the same verdict once a segment sent min_RTT/4 later is delivered, and each segment on
  // a serial line takes a full frame time to send. So the threshold drops to 2 segments.
  if (SACK && (v[B32 + FL] & F_SACK) && unsent <= 0 && thresh > 2) thresh = 2;
  // RFC 6675 §4 IsLost(SND.UNA): more than (DupThresh - 1)·SMSS octets SACKed above it,
  // however few duplicate ACKs carried the news.
  const sb = t.sack;
  const sbb = i * t.sackW;
  const sackLost = SACK && (v[B32 + FL] & F_SACK) !== 0 && sb[sbb] > 0 && asmCovered(sb, sbb) > (thresh - 1) * mss;
  if (u8[B8 + DUP_ACKS] >= thresh || sackLost) {
    // Fast retransmit (RFC 5681 §3.2 step 2-3).
    t.cnt[stats.CNT_TCP_FAST_RETRANSMITS]++;
    const half = flight >> 1;
    v[B32 + SSTHRESH] = half > 2 * mss ? half : 2 * mss;
    v[B32 + RECOVER] = v[B32 + SND_MAX];
    v[B32 + FL] |= F_RECOVERY;
    retransmitFirst(t, i);
    v[B32 + CWND] = v[B32 + SSTHRESH] + thresh * mss;
  }
  // Otherwise RFC 3042 limited transmit: output() allows up to two extra segments.
}
