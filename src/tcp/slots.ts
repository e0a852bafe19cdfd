/**
 * Slots of the connection table: finding a connection or a listener, taking a slot (a free
 * one first, then the oldest TIME-WAIT, never an ESTABLISHED one), initialising it for a new
 * connection, ending and freeing it, and recording each state change in the trace.
 *
 * Contract: `transition` is the only writer of a slot's state besides `freeSlot`, so every
 * change lands in the trace (time, slot, from, to, cause). `closeSlot` keeps a slot the
 * application still holds (its error and reason readable) until the application closes it;
 * otherwise the slot is free at once. RFC 6528 ISNs come from `isn`.
 */
import * as C from './constants.js';
import * as tcpw from '../wire/tcp.js';
import * as ev from '../trace/events.js';
import { ringClear } from '../storage/ring.js';
import { asmClear } from '../storage/assembler.js';
import { hash4 } from './hash.js';
import {
  W32, W64, W8, FL, LPORT, RPORT, RADDR, ISS, SND_UNA, SND_NXT, SND_MAX, SND_WND, SND_WL1, SND_WL2, MAX_SND_WND,
  SND_FIN, SND_MSS, IRS, RCV_NXT, RCV_ADV, RCV_ACKED, CWND, SSTHRESH, CA_ACKED, RECOVER, R2, OO_FIN, SACK_RECENT,
  HIGH_RXT, RXT_MARK, LISTENER, SRTT, RTTVAR, RTO, RTT_TIME, T_RTX, T_ACK, T_2, CH_START, T_PERSIST, PERSIST_SINCE,
  T_KEEP, PENDING, REASON, ERROR, RTX_COUNT, CH_COUNT, DUP_ACKS, PERSIST_SHIFT, KEEP_PROBES, LS_PORT, LS_PENDING,
  LS_WORDS, F_PASSIVE, F_APP, F_ACCEPT_Q, F_APP_CLOSED, P_CLOSED, OFF, NEVER, noHandler, effectiveMss, initialWindow, held, arm
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { SACK, TRACE } from '../features.js';

/** Record a state change in the trace and make it. */
export function transition(t: Tcb, i: number, from: number, to: number, cause: number): void {
  const st = t.st;
  if (TRACE) t.trace.record(t.now, i, from, to, cause);
  st[i] = to;
}

/** The slot returns to the free pool (nobody holds it). */
export function freeSlot(t: Tcb, i: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const ls = t.ls;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  const l = v[B32 + LISTENER];
  if (l >= 0 && (v[B32 + FL] & F_ACCEPT_Q) && ls[l * LS_WORDS + LS_PENDING] > 0) ls[l * LS_WORDS + LS_PENDING]--;
  st[i] = C.CLOSED;
  v[B32 + FL] = 0;
  u8[B8 + PENDING] = 0;
  v[B32 + LISTENER] = -1;
  t.connHandler[i] = noHandler;
  tm[B64 + T_RTX] = OFF;
  tm[B64 + T_ACK] = OFF;
  tm[B64 + T_2] = OFF;
  tm[B64 + T_PERSIST] = OFF;
  tm[B64 + T_KEEP] = OFF;
  asmClear(t.ooo, i * t.oooW);
  v[B32 + LPORT] = 0;
  v[B32 + RPORT] = 0;
  v[B32 + RADDR] = 0;
  ringClear(t.snd[i]);
  ringClear(t.rcv[i]);
}

/** The connection ends: CLOSED. If the application holds the handle, keep the slot (with its error) until it closes. */
export function closeSlot(t: Tcb, i: number, reason: number, error: number, cause: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  transition(t, i, st[i], C.CLOSED, cause);
  if ((v[B32 + FL] & F_APP) && !(v[B32 + FL] & F_APP_CLOSED)) {
    st[i] = C.CLOSED;
    u8[B8 + ERROR] = error;
    u8[B8 + REASON] = reason;
    u8[B8 + PENDING] |= P_CLOSED;
    t.pend++;
    tm[B64 + T_RTX] = OFF;
    tm[B64 + T_ACK] = OFF;
    tm[B64 + T_2] = OFF;
    tm[B64 + T_PERSIST] = OFF;
    tm[B64 + T_KEEP] = OFF;
    ringClear(t.snd[i]);
    // RFC 9293 §3.10.7.4: after a reset, pending RECEIVEs get "reset", not stale data.
    if (reason === C.REASON_RESET || reason === C.REASON_REFUSED) ringClear(t.rcv[i]);
    return;
  }
  freeSlot(t, i);
}

/** TIME-WAIT for 2·MSL (MUST-13); every other timer stops. */
export function enterTimeWait(t: Tcb, i: number, from: number, cause: number): void {
  const tm = t.tm;
  const B64 = i * W64;
  transition(t, i, from, C.TIME_WAIT, cause);
  tm[B64 + T_RTX] = OFF;
  tm[B64 + T_ACK] = OFF;
  tm[B64 + T_PERSIST] = OFF;
  tm[B64 + T_KEEP] = OFF;
  arm(t, B64 + T_2, t.now + 2 * t.cfg.msl);
}

/**
 * RFC 6528 (MUST-8, MUST-9): ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a clock ticking every 4 µs, F the keyed HalfSipHash. The clock is the time passed in.
 */
export function isn(t: Tcb, raddr: number, lport: number, rport: number): number {
  if (t.cfg.tcpIss !== null) return t.cfg.tcpIss | 0;
  const m = (t.now * 250) % 4294967296;
  return (m + hash4(t.hk, t.addr, raddr, (lport << 16) | rport, 0x69736e21)) | 0;
}

/** The slot of the connection (raddr, rport, lport), or -1 (a free slot never matches). */
export function find(t: Tcb, raddr: number, rport: number, lport: number): number {
  const st = t.st;
  const v = t.v;
  const n = t.n;
  for (let i = 0; i < n; i++) {
    if (v[i * W32 + LPORT] === lport && v[i * W32 + RPORT] === rport && v[i * W32 + RADDR] === raddr && (st[i] !== C.CLOSED || (v[i * W32 + FL] & F_APP))) return i;
  }
  return -1;
}

/** The listen-table index listening on `port` (0: a free entry), or -1. */
export function findListener(t: Tcb, port: number): number {
  const ls = t.ls;
  for (let l = 0; l < t.nls; l++) if (ls[l * LS_WORDS + LS_PORT] === port) return l;
  return -1;
}

/** Embryonic connections (SYN-RECEIVED after a passive open), table-wide. */
export function countSynRcvd(t: Tcb): number {
  const st = t.st;
  const v = t.v;
  let c = 0;
  for (let i = 0; i < t.n; i++) if (st[i] === C.SYN_RECEIVED && (v[i * W32 + FL] & F_PASSIVE)) c++;
  return c;
}

/**
 * A free slot; if none, the oldest TIME-WAIT is recycled. Never an ESTABLISHED one, and never
 * a TIME-WAIT the application still holds (a half-close ends there before tcpClose): its
 * handle would pass to a stranger's connection. -1 if none.
 */
export function allocSlot(t: Tcb): number {
  const st = t.st;
  const v = t.v;
  const tm = t.tm;
  const n = t.n;
  let oldest = -1;
  for (let i = 0; i < n; i++) {
    if (st[i] === C.CLOSED && !(v[i * W32 + FL] & F_APP)) return i;
    if (st[i] === C.TIME_WAIT && !held(t, i) && (oldest < 0 || tm[i * W64 + T_2] < tm[oldest * W64 + T_2])) oldest = i;
  }
  if (oldest < 0) return -1;
  transition(t, oldest, C.TIME_WAIT, C.CLOSED, ev.CAUSE_RECYCLE);
  freeSlot(t, oldest);
  return oldest;
}

/** Initialise slot i for a new connection (all fields; rings emptied). */
export function openSlot(t: Tcb, i: number, raddr: number, lport: number, rport: number): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  v[B32 + RADDR] = raddr;
  v[B32 + LPORT] = lport;
  v[B32 + RPORT] = rport;
  v[B32 + FL] = 0;
  u8[B8 + PENDING] = 0;
  u8[B8 + REASON] = 0;
  u8[B8 + ERROR] = 0;
  v[B32 + LISTENER] = -1;
  ringClear(t.snd[i]);
  ringClear(t.rcv[i]);
  const iss = isn(t, raddr, lport, rport);
  v[B32 + ISS] = iss;
  v[B32 + SND_UNA] = iss;
  v[B32 + SND_NXT] = iss;
  v[B32 + SND_MAX] = iss;
  v[B32 + SND_FIN] = iss;
  v[B32 + SND_WND] = 0;
  v[B32 + MAX_SND_WND] = 0;
  v[B32 + SND_MSS] = effectiveMss(t, 0);
  v[B32 + SND_WL1] = 0;
  v[B32 + SND_WL2] = 0;
  v[B32 + IRS] = 0;
  v[B32 + RCV_NXT] = 0;
  v[B32 + RCV_ADV] = 0;
  v[B32 + RCV_ACKED] = 0;
  tm[B64 + SRTT] = 0;
  tm[B64 + RTTVAR] = 0;
  tm[B64 + RTO] = t.cfg.tcpRtoInitial;
  tm[B64 + RTT_TIME] = NEVER;
  u8[B8 + RTX_COUNT] = 0;
  tm[B64 + T_RTX] = OFF;
  tm[B64 + T_ACK] = OFF;
  tm[B64 + T_2] = OFF;
  u8[B8 + CH_COUNT] = 0;
  tm[B64 + CH_START] = 0;
  // RFC 5681 §3.1 initial window: min(4·SMSS, max(2·SMSS, 4380)), set again once the MSS is known.
  v[B32 + CWND] = initialWindow(v[B32 + SND_MSS]);
  v[B32 + SSTHRESH] = 0x7fffffff;
  v[B32 + CA_ACKED] = 0;
  u8[B8 + DUP_ACKS] = 0;
  v[B32 + RECOVER] = iss;
  v[B32 + R2] = t.cfg.tcpR2;
  v[B32 + OO_FIN] = 0;
  tm[B64 + T_PERSIST] = OFF;
  u8[B8 + PERSIST_SHIFT] = 0;
  tm[B64 + PERSIST_SINCE] = NEVER;
  tm[B64 + T_KEEP] = OFF;
  u8[B8 + KEEP_PROBES] = 0;
  asmClear(t.ooo, i * t.oooW);
  if (SACK) asmClear(t.sack, i * t.sackW);
  // (At the first report the assembler holds only the new range, so these name no other.)
  for (let j = 0; j < tcpw.SACK_MAX_BLOCKS; j++) v[B32 + SACK_RECENT + j] = 0;
  v[B32 + HIGH_RXT] = iss;
  v[B32 + RXT_MARK] = iss;
}
