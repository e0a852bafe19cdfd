/**
 * Receiving: RFC 9293 §3.10.7.4's seventh and eighth steps, once a segment has passed every
 * check in input.ts: its text goes into the receive ring, and its FIN ends the peer's stream.
 *
 * Contract: in-order data becomes readable at once (EV_READABLE); data beyond a hole waits in
 * the ring's free space, its range kept by the out-of-order assembler (SHLD-31), and becomes
 * readable when the hole fills; a FIN that arrived out of order counts when RCV.NXT reaches
 * it. ACKs follow RFC 9293 §3.8.6.3 and RFC 5681 §4.2: at once for out-of-order data, for a
 * filled hole and for every second full segment, otherwise after the delayed-ACK time
 * (MUST-40: under 0.5 s). The FIN moves the state (CLOSE-WAIT, CLOSING, TIME-WAIT).
 */
import * as C from './constants.js';
import * as tcpw from '../wire/tcp.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { seqGt } from '../wire/seq.js';
import { ringWrite, ringWriteAt, ringCommit } from '../storage/ring.js';
import { asmAdd, asmAdvance } from '../storage/assembler.js';
import {
  W32, W64, W8, FL, SND_UNA, SND_FIN, RCV_NXT, RCV_ACKED, OO_FIN, T_ACK, PENDING, F_ACK_NOW, F_OOO_FIN,
  F_FIN_RCVD, F_FIN_SENT, P_READABLE, OFF, rcvWindow, arm
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { transition, enterTimeWait } from './slots.js';
import { sackReported } from './output.js';
import { OOO, SACK } from '../features.js';

/** Delayed ACK (RFC 9293 §3.8.6.3, MUST-40 < 0.5 s; SHLD-19: at least every second full segment). */
export function scheduleAck(t: Tcb, i: number): void {
  const v = t.v;
  const tm = t.tm;
  const B32 = i * W32;
  const B64 = i * W64;
  const delay = t.cfg.tcpAckDelay;
  if (delay <= 0 || ((v[B32 + RCV_NXT] - v[B32 + RCV_ACKED]) | 0) >= 2 * (t.cfg.mtu - 40)) {
    v[B32 + FL] |= F_ACK_NOW;
  } else if (tm[B64 + T_ACK] === OFF) {
    arm(t, B64 + T_ACK, t.now + delay);
  }
}

/** §3.10.7.4, eighth: the peer's FIN. */
export function finArrived(t: Tcb, i: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const B32 = i * W32;
  const B8 = i * W8;
  v[B32 + RCV_NXT] = (v[B32 + RCV_NXT] + 1) | 0;
  v[B32 + FL] |= F_FIN_RCVD | F_ACK_NOW;
  u8[B8 + PENDING] |= P_READABLE;
  t.pend++;
  const s = st[i];
  if (s === C.ESTABLISHED || s === C.SYN_RECEIVED) {
    transition(t, i, s, C.CLOSE_WAIT, ev.CAUSE_RCV_FIN);
  } else if (s === C.FIN_WAIT_1) {
    const finAcked = (v[B32 + FL] & F_FIN_SENT) !== 0 && seqGt(v[B32 + SND_UNA], v[B32 + SND_FIN]);
    if (finAcked) enterTimeWait(t, i, C.FIN_WAIT_1, ev.CAUSE_RCV_FIN_ACK);
    else transition(t, i, C.FIN_WAIT_1, C.CLOSING, ev.CAUSE_RCV_FIN); // simultaneous close
  } else if (s === C.FIN_WAIT_2) {
    enterTimeWait(t, i, C.FIN_WAIT_2, ev.CAUSE_RCV_FIN);
  }
}

/**
 * §3.10.7.4, seventh: data goes into the receive ring. In-order data becomes readable at
 * once; data beyond a hole waits in the ring's free space, remembered by the assembler
 * (SHLD-31), and becomes readable when the hole fills. Returns false if the segment (and so
 * any FIN on it) could not be taken whole in order.
 */
export function textArrived(t: Tcb, i: number, buf: Uint8Array, dataOff: number): boolean {
  const v = t.v;
  const u8 = t.u8;
  const B32 = i * W32;
  const B8 = i * W8;
  const seg = t.seg;
  let seq = seg.seq;
  let off = dataOff;
  let n = seg.payloadLen;
  if (seg.flags & tcpw.SYN) seq = (seq + 1) | 0;
  // Trim what we already have (a retransmission overlapping RCV.NXT).
  const old = (v[B32 + RCV_NXT] - seq) | 0;
  if (old > 0) {
    if (old >= n) {
      v[B32 + FL] |= F_ACK_NOW;
      return true;
    }
    off += old;
    n -= old;
    seq = v[B32 + RCV_NXT];
  }
  const room = rcvWindow(t, i);
  const ahead = (seq - v[B32 + RCV_NXT]) | 0;
  if (ahead > 0) {
    // Out of order: keep it if it fits the window and the assembler has a range for it.
    // RFC 5681 §4.2: an out-of-order segment is acknowledged at once (a duplicate ACK).
    v[B32 + FL] |= F_ACK_NOW;
    let k = room - ahead;
    if (k > n) k = n;
    if (!OOO || k <= 0 || !asmAdd(t.ooo, i * t.oooW, t.holes, seq, (seq + k) | 0)) {
      t.drops[stats.DROP_TCP_OUT_OF_ORDER]++;
      return false;
    }
    ringWriteAt(t.rcv[i], ahead, buf, off, k);
    if (SACK) sackReported(t, i, seq);
    if ((seg.flags & tcpw.FIN) && k === n) {
      v[B32 + FL] |= F_OOO_FIN;
      v[B32 + OO_FIN] = (seq + k) | 0;
    }
    return false;
  }
  // In order. Trim to the window we offered (beyond its right edge was never invited).
  if (n > room) n = room;
  const got = ringWrite(t.rcv[i], buf, off, n);
  let nxt = (v[B32 + RCV_NXT] + got) | 0;
  if (OOO && t.ooo[i * t.oooW] > 0) {
    // This may fill the hole in front of data already waiting: RFC 5681 §4.2, ACK at once.
    const joined = asmAdvance(t.ooo, i * t.oooW, nxt);
    ringCommit(t.rcv[i], (joined - nxt) | 0);
    nxt = joined;
    v[B32 + FL] |= F_ACK_NOW;
  }
  v[B32 + RCV_NXT] = nxt;
  if (got > 0) {
    u8[B8 + PENDING] |= P_READABLE;
    t.pend++;
  }
  scheduleAck(t, i);
  // A FIN that arrived out of order counts now that everything before it is here.
  if ((v[B32 + FL] & F_OOO_FIN) && v[B32 + OO_FIN] === nxt && !(v[B32 + FL] & F_FIN_RCVD)) {
    v[B32 + FL] &= ~F_OOO_FIN;
    finArrived(t, i);
  }
  return got === seg.payloadLen - (old > 0 ? old : 0);
}
