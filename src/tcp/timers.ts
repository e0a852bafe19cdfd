/**
 * Timers: each connection has five deadlines in its tm row (retransmission, delayed ACK,
 * TIME-WAIT/FIN-WAIT-2, persist, keepalive), absolute ms on the HAL clock, OFF when not
 * running. There is no timer object: `poll(t, now)` runs every deadline that has passed and
 * returns the earliest one still set, which the HAL arms its one timer for.
 *
 * Contract: `poll` fires timers in a fixed order per slot (2·MSL/FIN-WAIT-2, delayed ACK,
 * retransmission, persist, keepalive), delivers the events they raised, and only then reads
 * the next deadline, so a timer a handler started is included. What each expiry does:
 * RFC 6298 §5.4-5.7 (retransmission: go back to SND.UNA, back off, give up past R2,
 * MUST-20..23), RFC 9293 §3.8.6.1 (persist: probe a zero window), §3.8.4 (keepalive), §3.10.7.4
 * (TIME-WAIT ends after 2·MSL), and the FIN-WAIT-2 limit for a connection the application
 * closed.
 */
import * as C from './constants.js';
import * as E from '../errno.js';
import * as tcpw from '../wire/tcp.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { seqLt } from '../wire/seq.js';
import { asmClear } from '../storage/assembler.js';
import {
  W32, W64, W8, FL, SND_UNA, SND_NXT, SND_MAX, SND_WND, SND_MSS, CWND, SSTHRESH, CA_ACKED, RECOVER, R2, HIGH_RXT,
  RTO, RTT_TIME, RTX_START, T_RTX, T_ACK, T_2, T_PERSIST, PERSIST_SINCE, T_KEEP, RTX_COUNT, DUP_ACKS, PERSIST_SHIFT,
  KEEP_PROBES, F_PASSIVE, F_APP_CLOSED, F_ACK_NOW, F_SYN_ACKED, F_SYN_RETRANSMITTED, F_RECOVERY, F_KEEPALIVE, OFF, NEVER, arm
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { transition, freeSlot, closeSlot } from './slots.js';
import { flush } from './events.js';

/**
 * Persist-timer sends (probes, runts) a connection the application has closed gets before it
 * is reset, answered or not: Linux's tcp_orphan_retries (its 0 means 8). RFC 6429 lets a
 * sender end a persisting connection for resource management; an orphan serves nobody.
 */
const ORPHAN_PROBES = 8;
import { output, sendSegment, sendRstFor, armRtx } from './output.js';
import { SACK, KEEPALIVE } from '../features.js';

/**
 * The second timer ran out: TIME-WAIT's 2·MSL, the FIN-WAIT-2 timeout, or, in any other
 * state, R2 since the persist timer's first unanswered send (persistTimeout): the peer is
 * gone (MUST-20).
 */
export function timer2(t: Tcb, i: number): void {
  const st = t.st;
  t.tm[i * W64 + T_2] = OFF;
  if (st[i] === C.TIME_WAIT) closeSlot(t, i, C.REASON_FIN, E.E_OK, ev.CAUSE_TIMEOUT_2MSL);
  else if (st[i] === C.FIN_WAIT_2) closeSlot(t, i, C.REASON_TIMEOUT, E.ETIMEDOUT, ev.CAUSE_TIMEOUT_FIN_WAIT_2);
  else {
    t.cnt[stats.CNT_TCP_TIMEOUTS]++;
    closeSlot(t, i, C.REASON_TIMEOUT, E.ETIMEDOUT, ev.CAUSE_TIMEOUT_RTX);
  }
}

/** RFC 6298 §5.4–5.7: retransmit from SND.UNA, back off, and give up past R2 (MUST-20, MUST-22/23). */
export function retransmitTimeout(t: Tcb, i: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  const s = st[i];
  const elapsed = t.now - tm[B64 + RTX_START];
  let giveUp = false;
  if (s === C.SYN_SENT) giveUp = elapsed >= t.cfg.tcpSynR2;
  else if (s === C.SYN_RECEIVED && (v[B32 + FL] & F_PASSIVE)) giveUp = u8[B8 + RTX_COUNT] >= t.cfg.tcpSynAckRetries;
  else giveUp = elapsed >= v[B32 + R2];
  if (giveUp) {
    t.cnt[stats.CNT_TCP_TIMEOUTS]++;
    if (s === C.SYN_RECEIVED && (v[B32 + FL] & F_PASSIVE)) {
      transition(t, i, C.SYN_RECEIVED, C.LISTEN, ev.CAUSE_TIMEOUT_RTX);
      freeSlot(t, i);
    } else {
      closeSlot(t, i, C.REASON_TIMEOUT, E.ETIMEDOUT, ev.CAUSE_TIMEOUT_RTX);
    }
    return;
  }
  t.cnt[stats.CNT_TCP_RETRANSMITS]++;
  t.cnt[stats.CNT_TCP_RTO_TIMEOUTS]++;
  if (!(v[B32 + FL] & F_SYN_ACKED)) v[B32 + FL] |= F_SYN_RETRANSMITTED;
  if (u8[B8 + RTX_COUNT] < 255) u8[B8 + RTX_COUNT]++;
  // MUST-20: past R1 retransmissions the path is in trouble; there is no routing to advise
  // on a point-to-point line, so it is counted (SHLD-9 reporting: see the README).
  if (u8[B8 + RTX_COUNT] === t.cfg.tcpR1) t.cnt[stats.CNT_TCP_R1]++;
  // RFC 5681 §3.1 eq. 4 and RFC 6582 §4: a timeout means real congestion; slow start from one segment.
  const mss = v[B32 + SND_MSS];
  const flight = (v[B32 + SND_MAX] - v[B32 + SND_UNA]) >> 1;
  v[B32 + SSTHRESH] = flight > 2 * mss ? flight : 2 * mss;
  v[B32 + CWND] = mss;
  v[B32 + CA_ACKED] = 0;
  u8[B8 + DUP_ACKS] = 0;
  v[B32 + FL] &= ~F_RECOVERY;
  v[B32 + RECOVER] = v[B32 + SND_MAX];
  // RFC 2018 §8: after a timeout the SACKed ranges are not trusted (the receiver may have
  // reneged); everything from SND.UNA goes again.
  if (SACK) asmClear(t.sack, i * t.sackW);
  v[B32 + HIGH_RXT] = v[B32 + SND_UNA];
  let rto = tm[B64 + RTO] * 2;
  if (rto > t.cfg.tcpRtoMax) rto = t.cfg.tcpRtoMax;
  tm[B64 + RTO] = rto;
  tm[B64 + RTT_TIME] = NEVER; // Karn
  v[B32 + SND_NXT] = v[B32 + SND_UNA];
  const start = tm[B64 + RTX_START];
  tm[B64 + T_RTX] = OFF;
  t.why = ev.WHY_RTO;
  output(t, i);
  t.why = 0;
  // output() re-armed the timer with the backed-off RTO; R2 still counts from the first try.
  tm[B64 + RTX_START] = start;
}

/** The persist timer ran out: probe a zero window with one octet, or push a held-back runt. */
export function persistTimeout(t: Tcb, i: number): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  // Sockstress (CVE-2008-4609): a peer may pin a slot with a zero window forever. MUST-37
  // keeps such a connection open by default; tcpPersistLimit lets an operator reclaim it.
  // (The RST goes while the persist timer still counts as running: bareSeq.)
  if (t.cfg.tcpPersistLimit > 0 && tm[B64 + PERSIST_SINCE] !== NEVER && t.now - tm[B64 + PERSIST_SINCE] >= t.cfg.tcpPersistLimit) {
    sendRstFor(t, i);
    t.cnt[stats.CNT_TCP_TIMEOUTS]++;
    closeSlot(t, i, C.REASON_TIMEOUT, E.ETIMEDOUT, ev.CAUSE_TIMEOUT_RTX);
    return;
  }
  tm[B64 + T_PERSIST] = OFF;
  const waiting = t.snd[i].len - ((v[B32 + SND_NXT] - v[B32 + SND_UNA]) | 0);
  if (waiting <= 0 || v[B32 + SND_NXT] !== v[B32 + SND_UNA]) return;
  // An orphan (the application closed it) is not kept for a peer that never takes its
  // data, even one that answers every probe (ORPHAN_PROBES; tcpPersistLimit may be 0).
  if ((v[B32 + FL] & F_APP_CLOSED) && u8[B8 + PERSIST_SHIFT] >= ORPHAN_PROBES) {
    sendRstFor(t, i);
    t.cnt[stats.CNT_TCP_TIMEOUTS]++;
    closeSlot(t, i, C.REASON_TIMEOUT, E.ETIMEDOUT, ev.CAUSE_TIMEOUT_RTX);
    return;
  }
  let n = 1;
  if (v[B32 + SND_WND] > 0) {
    // A window is open but SWS avoidance held a runt back: send what the window takes.
    n = v[B32 + SND_WND] < v[B32 + SND_MSS] ? v[B32 + SND_WND] : v[B32 + SND_MSS];
    if (n > waiting) n = waiting;
  } else {
    t.cnt[stats.CNT_TCP_WINDOW_PROBES]++;
  }
  // MUST-20: an unanswered probe or runt counts toward R2. A runt's own RTO cannot measure
  // that: each runt re-arms the retransmission timer afresh, and the RTO after it sends
  // nothing (SWS avoidance holds the piece back again); a zero-window probe arms no RTO at
  // all. So R2 runs from the first unanswered persist send, and any acceptable ACK stops it
  // (input.ts ackArrived): MUST-37 keeps a connection open while its probes are answered, and
  // only then. The deadline lives in T_2, free in every state that can persist.
  if (tm[B64 + T_2] === OFF) arm(t, B64 + T_2, t.now + v[B32 + R2]);
  // MUST-35: the standard probe is one octet of new data beyond the zero window; the peer
  // answers with an ACK carrying its current window, which keeps the connection alive.
  t.why = ev.WHY_PERSIST;
  sendSegment(t, i, v[B32 + SND_NXT], tcpw.ACK | (n === waiting ? tcpw.PSH : 0), 0, n);
  t.why = 0;
  v[B32 + SND_NXT] = (v[B32 + SND_NXT] + n) | 0;
  if (seqLt(v[B32 + SND_MAX], v[B32 + SND_NXT])) v[B32 + SND_MAX] = v[B32 + SND_NXT];
  if (u8[B8 + PERSIST_SHIFT] < 16) u8[B8 + PERSIST_SHIFT]++;
  if (v[B32 + SND_WND] === 0) {
    // The probe is not a retransmission candidate: go back before the next probe instead.
    v[B32 + SND_NXT] = v[B32 + SND_UNA];
    let d = tm[B64 + RTO] * (1 << u8[B8 + PERSIST_SHIFT]);
    if (d > t.cfg.tcpRtoMax) d = t.cfg.tcpRtoMax;
    arm(t, B64 + T_PERSIST, t.now + d);
  } else {
    armRtx(t, i);
  }
}

/** Keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): probe an idle connection; give up after tcpKeepCnt silent probes. */
export function keepaliveTimeout(t: Tcb, i: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  const s = st[i];
  if (!(v[B32 + FL] & F_KEEPALIVE) || (s !== C.ESTABLISHED && s !== C.CLOSE_WAIT)) {
    tm[B64 + T_KEEP] = OFF;
    return;
  }
  // MUST-26: only when idle: nothing unacknowledged and nothing waiting to be sent.
  if (v[B32 + SND_UNA] !== v[B32 + SND_MAX] || t.snd[i].len > 0) {
    arm(t, B64 + T_KEEP, t.now + t.cfg.tcpKeepIdle);
    return;
  }
  if (u8[B8 + KEEP_PROBES] >= t.cfg.tcpKeepCnt) {
    // MUST-29: only after several unanswered probes is the peer declared gone.
    t.cnt[stats.CNT_TCP_TIMEOUTS]++;
    closeSlot(t, i, C.REASON_TIMEOUT, E.ETIMEDOUT, ev.CAUSE_TIMEOUT_KEEPALIVE);
    return;
  }
  u8[B8 + KEEP_PROBES]++;
  t.cnt[stats.CNT_TCP_KEEPALIVE_PROBES]++;
  // SHLD-12: a probe without data, <SEQ=SND.UNA-1><ACK=RCV.NXT>: old to the peer, so it must
  // answer with an ACK (or with a RST if it rebooted and forgot us: a half-open connection).
  t.why = ev.WHY_KEEPALIVE;
  sendSegment(t, i, (v[B32 + SND_UNA] - 1) | 0, tcpw.ACK, 0, 0);
  t.why = 0;
  arm(t, B64 + T_KEEP, t.now + t.cfg.tcpKeepIntvl);
}

/** Run every timer due at `now`; returns the earliest deadline still set (Infinity if none). */
export function poll(t: Tcb, now: number): number {
  const st = t.st;
  const tm = t.tm;
  t.now = now;
  // No timer can be due before t.due (tcb.ts arm) and no event waits: skip the pass over the
  // table, which is most of a poll's cost on an interpreter (bench:board).
  // (Infinity as the literal: V8 would box the double read from the field, on every frame of
  // a stack with no timer armed.)
  if (now < t.due && t.pend === 0) return t.due === Infinity ? Infinity : t.due;
  const n = t.n;
  for (let i = 0; i < n; i++) {
    if (st[i] === C.CLOSED) continue;
    const b = i * W64;
    if (tm[b + T_2] !== OFF && tm[b + T_2] <= now) timer2(t, i);
    if (st[i] !== C.CLOSED && tm[b + T_ACK] !== OFF && tm[b + T_ACK] <= now) {
      t.v[i * W32 + FL] |= F_ACK_NOW;
      t.why = ev.WHY_DELAYED_ACK;
      output(t, i);
      t.why = 0;
    }
    if (st[i] !== C.CLOSED && tm[b + T_RTX] !== OFF && tm[b + T_RTX] <= now) retransmitTimeout(t, i);
    if (st[i] !== C.CLOSED && tm[b + T_PERSIST] !== OFF && tm[b + T_PERSIST] <= now) persistTimeout(t, i);
    if (KEEPALIVE && st[i] !== C.CLOSED && tm[b + T_KEEP] !== OFF && tm[b + T_KEEP] <= now) keepaliveTimeout(t, i);
  }
  // The application's handlers run in flush and may start timers (a write on EV_WRITABLE):
  // the deadline is read only after them.
  flush(t);
  const next = nextDeadline(t);
  t.due = next;
  return next;
}

/** The earliest timer set in any slot (Infinity if none). */
export function nextDeadline(t: Tcb): number {
  const st = t.st;
  const tm = t.tm;
  let next = Infinity;
  for (let i = 0; i < t.n; i++) {
    if (st[i] === C.CLOSED) continue;
    // The five timers are consecutive fields of the row (tcb.ts); OFF is never a deadline.
    const b = i * W64;
    for (let k = b + T_RTX; k <= b + T_KEEP; k++) {
      const d = tm[k];
      if (d !== OFF && d < next) next = d;
    }
  }
  return next;
}
