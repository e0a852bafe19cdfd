/**
 * Output: everything TCP puts on the wire, and the windows it advertises.
 *
 * Contract:
 * - `output(t, i)` sends whatever connection i has to send now, in this order: its SYN or
 *   SYN-ACK while unacknowledged; data the usable window allows (the peer's window and cwnd,
 *   with RFC 3042 limited transmit, Nagle and sender SWS avoidance, RFC 9293 §3.7.4 and
 *   §3.8.6.2.1); the FIN after the last data; else a bare ACK if one is owed (F_ACK_NOW).
 *   It then arms or stops the persist timer.
 * - `sendSegment` builds one segment of a connection from its send ring (RTT timing per
 *   Karn, the receive window with receiver SWS avoidance, SACK options) and `emit` writes
 *   any segment into the IP layer's transmit buffer. RSTs and challenge ACKs go through
 *   here too; `t.why` (trace WHY_*) tells the teaching tools why each one was sent.
 * - Inside an input batch (MUST-59), bare ACKs are only noted (F_ACK_DEFERRED) and go out
 *   once the batch is processed (input.ts).
 * Nothing allocates: one preallocated repr, one transmit buffer.
 */
import * as C from './constants.js';
import * as tcpw from '../wire/tcp.js';
import * as ipv4 from '../wire/ipv4.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { seqLt, seqGt } from '../wire/seq.js';
import { ringFree, ringPeek } from '../storage/ring.js';
import type { Ring } from '../storage/ring.js';
import { asmFind } from '../storage/assembler.js';
import {
  W32, W64, W8, FL, LPORT, RPORT, RADDR, ISS, SND_UNA, SND_NXT, SND_MAX, SND_WND, MAX_SND_WND, SND_FIN, SND_MSS,
  RCV_NXT, RCV_ADV, RCV_ACKED, RTT_SEQ, CWND, SACK_RECENT, RTO, RTT_TIME, RTX_START, T_RTX, T_ACK, CH_START,
  T_PERSIST, PERSIST_SINCE, CH_COUNT, DUP_ACKS, PERSIST_SHIFT, ACK_WHY, F_ACK_DEFERRED, F_ACK_NOW, F_SACK, F_SYN_ACKED,
  F_FIN_SENT, F_RECOVERY, F_NODELAY, F_SHUT_WR, OFF, NEVER, L4, arm
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { ipSend } from '../ip.js';
import { SACK, CC_EXTRAS } from '../features.js';

/** Move the advertised right edge if it can move by at least min(RCV.BUFF/2, MSS); returns the window. */
export function updateWindow(t: Tcb, i: number): number {
  const v = t.v;
  const B32 = i * W32;
  const free = ringFree(t.rcv[i]);
  let cur = (v[B32 + RCV_ADV] - v[B32 + RCV_NXT]) | 0;
  if (cur < 0) cur = 0;
  const half = t.cfg.tcpRcvBuf >> 1;
  const mss = t.cfg.mtu - 40;
  const step = half < mss ? half : mss;
  if (free - cur >= step) {
    v[B32 + RCV_ADV] = (v[B32 + RCV_NXT] + free) | 0;
    cur = free;
  }
  return cur > 65535 ? 65535 : cur;
}

/** Start the retransmission timer if it is not running (RFC 6298 §5.1), and time a segment. */
export function armRtx(t: Tcb, i: number): void {
  const tm = t.tm;
  const B64 = i * W64;
  if (tm[B64 + T_RTX] === OFF) {
    arm(t, B64 + T_RTX, t.now + tm[B64 + RTO]);
    tm[B64 + RTX_START] = t.now;
  }
}

/**
 * The SACK options of a segment of connection i: SACK-permitted on our SYN (always, when
 * tcpSack is on) and on our SYN-ACK (when the peer offered it); SACK blocks on any other
 * segment with an ACK while the assembler holds data beyond RCV.NXT (RFC 2018 §4: "SHOULD
 * be included in all ACKs which do not ACK the highest sequence number in the data
 * receiver's queue"). The first block holds the segment that arrived last (MUST, §4); the
 * rest repeat the most recently reported blocks, newest first (SHOULD, §4: the peer is
 * least likely to know those yet, and with more ranges than an option holds, the order
 * decides which ones it hears about), then any range never reported first (several
 * segments of one batch, MUST-59) in sequence order. RFC 6691: options come out of the
 * MSS, so a data segment carries only the blocks its length leaves room for.
 */
export function sackOptions(t: Tcb, i: number, flags: number, len: number): void {
  const v = t.v;
  const B32 = i * W32;
  const r = t.out;
  if (flags & tcpw.SYN) {
    r.sackPermitted = t.cfg.tcpSack && (!(flags & tcpw.ACK) || (v[B32 + FL] & F_SACK) !== 0);
    return;
  }
  const a = t.ooo;
  const b = i * t.oooW;
  const count = a[b];
  if (!(flags & tcpw.ACK) || !(v[B32 + FL] & F_SACK) || count === 0) return;
  let max = ((v[B32 + SND_MSS] - len - 4) / 8) | 0;
  if (max > tcpw.SACK_MAX_BLOCKS) max = tcpw.SACK_MAX_BLOCKS;
  if (max <= 0) return;
  let n = 0;
  for (let j = 0; j < tcpw.SACK_MAX_BLOCKS && n < max; j++) {
    const k = asmFind(a, b, v[B32 + SACK_RECENT + j]);
    if (k >= 0) n = sackBlock(r, n, a[b + 1 + 2 * k], a[b + 2 + 2 * k]);
  }
  for (let k = 0; k < count && n < max; k++) n = sackBlock(r, n, a[b + 1 + 2 * k], a[b + 2 + 2 * k]);
  r.sackCount = n;
}

/** Block n of the segment being built is [left, right), unless a block already starts at left; returns the blocks listed. */
function sackBlock(r: tcpw.TcpRepr, n: number, left: number, right: number): number {
  for (let k = 0; k < n; k++) if (r.sackLeft[k] === left) return n;
  r.sackLeft[n] = left;
  r.sackRight[n] = right;
  return n + 1;
}

/**
 * RFC 2018 §4: the range holding `seq` (just added to the assembler) is reported first from
 * now on. Older entries move down; one that names the same range (it grew or merged into
 * it), or no range any more, goes.
 */
export function sackReported(t: Tcb, i: number, seq: number): void {
  const h = t.v;
  const base = i * W32 + SACK_RECENT;
  const a = t.ooo;
  const b = i * t.oooW;
  const r = asmFind(a, b, seq);
  const gone = (h[i * W32 + RCV_NXT] - 1) | 0; // below RCV.NXT: in no range
  // Keep the entries naming other live ranges, in order, each range once...
  let w = 0;
  for (let j = 0; j < tcpw.SACK_MAX_BLOCKS; j++) {
    const x = h[base + j];
    const k = asmFind(a, b, x);
    let dup = k < 0 || k === r;
    for (let m = 0; m < w && !dup; m++) if (asmFind(a, b, h[base + m]) === k) dup = true;
    if (!dup) h[base + w++] = x;
  }
  for (let j = w; j < tcpw.SACK_MAX_BLOCKS; j++) h[base + j] = gone;
  // ...then move them down one place, the newest in front.
  for (let j = tcpw.SACK_MAX_BLOCKS - 1; j > 0; j--) h[base + j] = h[base + j - 1];
  h[base] = seq;
}


/**
 * Write a TCP header (+ MSS option if mss > 0, + SACK options of connection i if i >= 0,
 * + payload from a ring) into the IP transmit buffer and send it. A segment of no
 * connection (a RST, a SYN cookie) carries no SACK options: a cookie keeps no state to
 * remember the peer's offer in.
 */
export function emit(t: Tcb, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, wnd: number,
  mss: number, ring: Ring | null, ringOff: number, len: number, i: number): void {
  const r = t.out;
  r.srcPort = sport;
  r.dstPort = dport;
  r.seq = seq;
  r.ack = ack;
  r.flags = flags;
  r.window = wnd;
  r.urgent = 0;
  r.mss = mss;
  r.payloadLen = len;
  r.sackPermitted = false;
  r.sackCount = 0;
  if (SACK && i >= 0) sackOptions(t, i, flags, len);
  const hl = tcpw.headerLen(r);
  if (ring !== null && len > 0) ringPeek(ring, t.tx, L4 + hl, ringOff, len);
  // Why it is sent: what the caller said, else what the flags say.
  t.ip.txReason = t.why !== 0 ? t.why : flags & tcpw.SYN ? (flags & tcpw.ACK ? ev.WHY_SYN_ACK : ev.WHY_SYN)
    : flags & tcpw.FIN ? ev.WHY_FIN : len > 0 ? ev.WHY_DATA : ev.WHY_ACK;
  const n = tcpw.emit(r, t.tx, L4, t.addr, dst);
  t.cnt[stats.CNT_TCP_SEGMENTS_SENT]++;
  ipSend(t.ip, t.tx, ipv4.PROTO_TCP, dst, n);
}

/** Build and send one segment of connection i carrying `len` octets from `ringOff` of its send ring. */
export function sendSegment(t: Tcb, i: number, seq: number, flags: number, ringOff: number, len: number): void {
  const v = t.v;
  const tm = t.tm;
  const B32 = i * W32;
  const B64 = i * W64;
  const isSyn = (flags & tcpw.SYN) !== 0;
  // Time this segment for RTT if nothing is being timed and it is new (Karn: not a retransmission).
  if (tm[B64 + RTT_TIME] === NEVER && (len > 0 || isSyn) && !seqLt(seq, v[B32 + SND_MAX])) {
    tm[B64 + RTT_TIME] = t.now;
    v[B32 + RTT_SEQ] = seq;
  }
  let ackNo = 0;
  if (flags & tcpw.ACK) {
    ackNo = v[B32 + RCV_NXT];
    v[B32 + RCV_ACKED] = ackNo;
    tm[B64 + T_ACK] = OFF;
    // Any segment with an ACK carries the latest RCV.NXT: a held-back bare ACK is not needed.
    // (An ACK below RCV.NXT, a keepalive probe, says nothing new; it does not count.)
    if (seq === v[B32 + SND_NXT] || seq === v[B32 + SND_MAX] || len > 0) {
      v[B32 + FL] &= ~F_ACK_DEFERRED;
      t.u8[i * W8 + ACK_WHY] = 0;
    }
  }
  const wnd = updateWindow(t, i);
  emit(t, v[B32 + RADDR], v[B32 + LPORT], v[B32 + RPORT], seq, ackNo, flags, wnd,
    isSyn ? t.cfg.mtu - 40 : 0, t.snd[i], ringOff, len, i);
}

/**
 * The sequence number of a segment with no data and no SYN or FIN (a bare ACK, a RST):
 * SND.MAX, not SND.NXT. A retransmission timeout rewinds SND.NXT to SND.UNA (go-back-N),
 * and the peer may already hold everything up to SND.MAX (only its ACKs were lost): a bare
 * ACK at the rewound SND.NXT lies left of its RCV.NXT, fails the acceptability test of
 * RFC 9293 §3.10.7.4 and is dropped unread. Two stacks that time out together would then
 * drop each other's ACKs for good. This is BSD's rule (4.4BSD and FreeBSD tcp_output:
 * SND.NXT only with data, SYN, FIN or the persist timer running, else SND.MAX). While the
 * persist timer runs, SND.NXT is SND.UNA and the octet past it was a probe into a zero
 * window: the peer's RCV.NXT is SND.UNA, where a zero window accepts only that exact number.
 */
export function bareSeq(t: Tcb, i: number): number {
  return t.tm[i * W64 + T_PERSIST] !== OFF ? t.v[i * W32 + SND_NXT] : t.v[i * W32 + SND_MAX];
}

/** A bare ACK: <SEQ=SND.MAX><ACK=RCV.NXT><CTL=ACK> (bareSeq), or a note to send one at the end of the batch. */
export function sendAck(t: Tcb, i: number): void {
  const v = t.v;
  const B32 = i * W32;
  if (t.batching) {
    v[B32 + FL] |= F_ACK_DEFERRED;
    t.held = 1;
    // The reason of the first ACK owed travels with it (a TIME-WAIT re-ACK, a challenge ACK),
    // or the trace would call it a plain ACK when the batch ends.
    if (t.u8[i * W8 + ACK_WHY] === 0) t.u8[i * W8 + ACK_WHY] = t.why !== 0 ? t.why : ev.WHY_ACK;
    return;
  }
  sendSegment(t, i, bareSeq(t, i), tcpw.ACK, 0, 0);
}

/** Send our FIN at SND.NXT (with ACK), and note its sequence number. */
export function sendFin(t: Tcb, i: number): void {
  const v = t.v;
  const B32 = i * W32;
  const seq = v[B32 + SND_NXT];
  sendSegment(t, i, seq, tcpw.FIN | tcpw.ACK, 0, 0);
  v[B32 + FL] |= F_FIN_SENT;
  v[B32 + SND_FIN] = seq;
  v[B32 + SND_NXT] = (seq + 1) | 0;
  if (seqLt(v[B32 + SND_MAX], v[B32 + SND_NXT])) v[B32 + SND_MAX] = v[B32 + SND_NXT];
  armRtx(t, i);
}

/**
 * The persist timer (RFC 9293 §3.8.6.1, MUST-35/36): data is waiting, nothing is in flight,
 * and the window (or sender SWS avoidance) keeps it back. Without a timer the connection
 * would wait forever for a window update that may have been lost. The first probe goes
 * after one RTO (SHLD-29), later ones back off exponentially (SHLD-30) up to the RTO cap.
 */
export function armPersist(t: Tcb, i: number): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  const waiting = t.snd[i].len - ((v[B32 + SND_NXT] - v[B32 + SND_UNA]) | 0);
  if (waiting > 0 && v[B32 + SND_NXT] === v[B32 + SND_UNA] && tm[B64 + T_RTX] === OFF && (v[B32 + FL] & F_SYN_ACKED)) {
    if (tm[B64 + T_PERSIST] === OFF) {
      let d = tm[B64 + RTO] * (1 << (u8[B8 + PERSIST_SHIFT] < 16 ? u8[B8 + PERSIST_SHIFT] : 16));
      if (d > t.cfg.tcpRtoMax) d = t.cfg.tcpRtoMax;
      arm(t, B64 + T_PERSIST, t.now + d);
      if (tm[B64 + PERSIST_SINCE] === NEVER && v[B32 + SND_WND] === 0) tm[B64 + PERSIST_SINCE] = t.now;
    }
  } else {
    tm[B64 + T_PERSIST] = OFF;
    if (v[B32 + SND_WND] > 0) tm[B64 + PERSIST_SINCE] = NEVER;
  }
}

/** Send whatever this connection has to send now: SYN, data, FIN, or an ACK. */
export function output(t: Tcb, i: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const B32 = i * W32;
  const B8 = i * W8;
  const s = st[i];
  if (s === C.CLOSED || s === C.LISTEN || s === C.TIME_WAIT) {
    if (s === C.TIME_WAIT && (v[B32 + FL] & F_ACK_NOW)) sendAck(t, i);
    v[B32 + FL] &= ~F_ACK_NOW;
    return;
  }
  // Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), sent or resent while it is unacknowledged.
  if (!(v[B32 + FL] & F_SYN_ACKED)) {
    if (v[B32 + SND_NXT] === v[B32 + ISS]) {
      const synAck = s !== C.SYN_SENT;
      sendSegment(t, i, v[B32 + ISS], synAck ? tcpw.SYN | tcpw.ACK : tcpw.SYN, 0, 0);
      v[B32 + SND_NXT] = (v[B32 + ISS] + 1) | 0;
      if (seqLt(v[B32 + SND_MAX], v[B32 + SND_NXT])) v[B32 + SND_MAX] = v[B32 + SND_NXT];
      armRtx(t, i);
    }
    // RFC 9293 §3.10.4: CLOSE in SYN-RECEIVED with nothing queued sends the FIN now.
    if (s === C.FIN_WAIT_1 && t.snd[i].len === 0 && !(v[B32 + FL] & F_FIN_SENT) && v[B32 + SND_NXT] === ((v[B32 + ISS] + 1) | 0)) sendFin(t, i);
    else if ((v[B32 + FL] & F_ACK_NOW) && s !== C.SYN_SENT) sendAck(t, i);
    v[B32 + FL] &= ~F_ACK_NOW;
    return;
  }
  let sent = false;
  const ring = t.snd[i];
  const mss = v[B32 + SND_MSS];
  for (;;) {
    const finSent = (v[B32 + FL] & F_FIN_SENT) !== 0;
    // How far into the ring SND.NXT is (ring byte 0 is SND.UNA once the SYN is acknowledged).
    const offset = (v[B32 + SND_NXT] - v[B32 + SND_UNA]) | 0;
    const unsent = ring.len - offset;
    if (unsent > 0 && !(finSent && seqGt(v[B32 + SND_NXT], v[B32 + SND_FIN]))) {
      const flight = offset;
      // The usable window: the peer's window and cwnd, whichever is less. RFC 3042 limited
      // transmit lets the first two duplicate ACKs each release one more segment.
      let cw = v[B32 + CWND];
      if (CC_EXTRAS && !(v[B32 + FL] & F_RECOVERY) && u8[B8 + DUP_ACKS] > 0 && u8[B8 + DUP_ACKS] < 3) cw += u8[B8 + DUP_ACKS] * mss;
      let usable = ((v[B32 + SND_UNA] + v[B32 + SND_WND]) | 0) - v[B32 + SND_NXT];
      if (cw - flight < usable) usable = cw - flight;
      // MUST-34: a shrunk window can make this negative; then nothing is sent.
      if (usable <= 0) break;
      let n = unsent < mss ? unsent : mss;
      if (n > usable) n = usable;
      if (n < mss) {
        // Nagle (RFC 9293 §3.7.4, SHLD-7, MUST-17 switch): hold a short last segment while
        // data is unacknowledged, unless the stream is closing.
        if (n === unsent && flight > 0 && !(v[B32 + FL] & F_NODELAY) && !(v[B32 + FL] & F_SHUT_WR)) break;
        // Sender SWS avoidance (§3.8.6.2.1, MUST-38): a window-limited piece smaller than a
        // segment goes only if it is at least half the largest window the peer offered.
        if (n < unsent && n < (v[B32 + MAX_SND_WND] >> 1)) break;
      }
      // MUST-61: PSH on the last buffered segment.
      const last = n === unsent;
      sendSegment(t, i, v[B32 + SND_NXT], tcpw.ACK | (last ? tcpw.PSH : 0), offset, n);
      v[B32 + SND_NXT] = (v[B32 + SND_NXT] + n) | 0;
      if (seqLt(v[B32 + SND_MAX], v[B32 + SND_NXT])) v[B32 + SND_MAX] = v[B32 + SND_NXT];
      armRtx(t, i);
      sent = true;
      continue;
    }
    // All data is out: the FIN, once, or again after a go-back retransmission.
    if ((v[B32 + FL] & F_SHUT_WR) && unsent <= 0 && (!finSent || v[B32 + SND_NXT] === v[B32 + SND_FIN])) {
      sendFin(t, i);
      sent = true;
    }
    break;
  }
  if (!sent && (v[B32 + FL] & F_ACK_NOW)) sendAck(t, i);
  v[B32 + FL] &= ~F_ACK_NOW;
  armPersist(t, i);
}

/** A RST that belongs to no connection (§3.10.7.1, §3.10.7.2). */
export function sendRst(t: Tcb, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number): void {
  t.cnt[stats.CNT_TCP_RST_SENT]++;
  t.why = ev.WHY_RST;
  emit(t, dst, sport, dport, seq, ack, flags, 0, 0, null, 0, 0, -1);
  t.why = 0;
}

/** <SEQ=SND.MAX><CTL=RST> for connection i (bareSeq: a RST at a rewound SND.NXT would miss the peer's RCV.NXT). */
export function sendRstFor(t: Tcb, i: number): void {
  const v = t.v;
  const B32 = i * W32;
  t.cnt[stats.CNT_TCP_RST_SENT]++;
  t.why = ev.WHY_RST_ABORT;
  emit(t, v[B32 + RADDR], v[B32 + LPORT], v[B32 + RPORT], bareSeq(t, i), 0, tcpw.RST, 0, 0, null, 0, 0, -1);
  t.why = 0;
}

/** RFC 5961 §7: at most tcpChallengeAcks challenge ACKs per second, per connection (not global: CVE-2016-5696). */
export function challengeAck(t: Tcb, i: number): void {
  const u8 = t.u8;
  const tm = t.tm;
  const B8 = i * W8;
  const B64 = i * W64;
  if (t.now - tm[B64 + CH_START] >= 1000) {
    tm[B64 + CH_START] = t.now;
    u8[B8 + CH_COUNT] = 0;
  }
  if (u8[B8 + CH_COUNT] >= t.cfg.tcpChallengeAcks) {
    t.cnt[stats.CNT_TCP_CHALLENGE_ACKS_LIMITED]++;
    return;
  }
  u8[B8 + CH_COUNT]++;
  t.cnt[stats.CNT_TCP_CHALLENGE_ACKS]++;
  t.why = ev.WHY_CHALLENGE_ACK;
  sendAck(t, i);
  t.why = 0;
}
