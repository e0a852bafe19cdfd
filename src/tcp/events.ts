/**
 * Events for the application: what happened to a connection is gathered as bits per slot
 * (u8[PENDING]) while a segment, a timer or a user call is processed, and delivered by
 * `flush` once processing is over, so a handler that calls back into the stack never finds it
 * half-way through a segment.
 *
 * Contract: each event goes to the connection's own handler, else the stack's default (a
 * connection accepted from a listener got the listener's handler on accept). EV_ACCEPTABLE
 * is level-triggered: told once per flush while the listener's accept queue is not empty.
 * Handlers may call any API function; events they raise are delivered in the next round (at
 * most four rounds per flush). Nothing allocates.
 */
import * as C from './constants.js';
import {
  W32, W64, W8, FL, ORDER, LISTENER, SRTT, RTO, PENDING, REASON, LS_PORT, LS_PENDING, LS_WORDS, F_PASSIVE, F_APP,
  F_ACCEPT_Q, F_APP_CLOSED, F_SYN_RETRANSMITTED, F_SHUT_WR, P_CONNECTED, P_READABLE, P_WRITABLE, P_CLOSED, noHandler, held,
} from './tcb.js';
import type { Tcb } from './tcb.js';
import * as ev from '../trace/events.js';
import { transition } from './slots.js';

/** The connection has just become ESTABLISHED: RFC 6298 §5.7 and the application's event. */
export function established(t: Tcb, i: number): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const ls = t.ls;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  if ((v[B32 + FL] & F_SYN_RETRANSMITTED) && tm[B64 + SRTT] === 0) tm[B64 + RTO] = 3000;
  // A shutdown in SYN-SENT queued the FIN "for processing after entering the ESTABLISHED
  // state" (RFC 9293 §3.10.4): this is that moment, and the state follows the FIN, or it
  // would go out from ESTABLISHED, and its ACK would lead nowhere (a LAST-ACK later with
  // nothing to send and no timer, for ever).
  if (v[B32 + FL] & F_SHUT_WR) transition(t, i, C.ESTABLISHED, C.FIN_WAIT_1, ev.CAUSE_CLOSE);
  if (v[B32 + FL] & F_PASSIVE) {
    v[B32 + FL] |= F_ACCEPT_Q;
    v[B32 + ORDER] = t.acceptOrder++;
    const l = v[B32 + LISTENER];
    if (l >= 0) ls[l * LS_WORDS + LS_PENDING]++;
    t.pend++;
  } else {
    u8[B8 + PENDING] |= P_CONNECTED;
    t.pend++;
  }
}

/** The oldest connection waiting in listener l's accept queue, or -1. */
export function acceptable(t: Tcb, l: number): number {
  const v = t.v;
  let best = -1;
  for (let i = 0; i < t.n; i++) {
    if ((v[i * W32 + FL] & F_ACCEPT_Q) && v[i * W32 + LISTENER] === l && (best < 0 || v[i * W32 + ORDER] < v[best * W32 + ORDER])) best = i;
  }
  return best;
}

/** Deliver the events gathered while processing; handlers may call back into the stack. */
export function flush(t: Tcb): void {
  const v = t.v;
  const u8 = t.u8;
  const ls = t.ls;
  // Nothing raised since the last flush, and no listener's queue to tell again: nothing to do
  // (most flushes, and a pass over the table is costly on an interpreter).
  if (t.flushing || t.pend === 0) return;
  t.flushing = true;
  t.pend = 0;
  for (let round = 0; round < 4; round++) {
    // Another round only for what this one's handlers raised (t.pend grows when they do).
    const mark = t.pend;
    let any = false;
    for (let i = 0; i < t.n; i++) {
      const p = u8[i * W8 + PENDING];
      if (p === 0) continue;
      u8[i * W8 + PENDING] = 0;
      if (!(v[i * W32 + FL] & F_APP) || (v[i * W32 + FL] & F_APP_CLOSED)) continue;
      any = true;
      const h = t.connHandler[i] !== noHandler ? t.connHandler[i] : t.handler;
      // A handler may close the handle; later events of this round are then not for it.
      if (p & P_CONNECTED) h(i, C.EV_CONNECTED, 0);
      if ((p & P_READABLE) && held(t, i)) h(i, C.EV_READABLE, 0);
      if ((p & P_WRITABLE) && held(t, i)) h(i, C.EV_WRITABLE, 0);
      if ((p & P_CLOSED) && held(t, i)) h(i, C.EV_CLOSED, u8[i * W8 + REASON]);
    }
    for (let l = 0; l < t.nls; l++) {
      // LS_PENDING counts the listener's accept queue: acceptable's pass only when it is not empty.
      if (ls[l * LS_WORDS + LS_PORT] !== 0 && ls[l * LS_WORDS + LS_PENDING] > 0 && acceptable(t, l) >= 0) {
        // Level-triggered: told once per processing round while something waits.
        if (round === 0) {
          any = true;
          // Told again at the next flush while it waits: keep that flush from being skipped.
          t.pend++;
          const h = t.lsHandler[l] !== noHandler ? t.lsHandler[l] : t.handler;
          h(C.LISTENER_BASE + l, C.EV_ACCEPTABLE, 0);
        }
      }
    }
    if (!any || t.pend === mark) break;
  }
  t.flushing = false;
}
