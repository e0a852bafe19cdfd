/**
 * The user calls of RFC 9293 §3.9-3.10 (OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS) over the
 * connection table: the TCP engine's only module that throws.
 *
 * Contract:
 * - Every call checks its arguments first (check.ts): a handle that is not open is EBADF; a
 *   non-integer or out-of-range port, backlog, length or offset, a range past the buffer, or a
 *   martian destination is EINVAL. Misuse throws a StackError before anything is sent.
 * - Run-time outcomes are returned, never thrown: data counts and handles are non-negative;
 *   -EAGAIN (nothing to read, send ring full, accept queue empty), -EADDRINUSE, -ENOBUFS,
 *   -EPIPE and the error that ended a connection are negative errnos (errno.ts).
 * - Connection handles are slots 0..tcpConns-1; listener handles are LISTENER_BASE + index.
 * - User calls read the HAL clock (t.clock), since they happen between polls, and deliver the
 *   events they raise before returning (events.ts flush), except from inside a handler.
 * Nothing allocates but the StackError of a misuse.
 */
import * as C from './constants.js';
import * as E from '../errno.js';
import * as check from '../check.js';
import * as tcpw from '../wire/tcp.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { ringWrite, ringRead, ringPeek, ringFree } from '../storage/ring.js';
import {
  W32, W64, W8, FL, LPORT, RPORT, RADDR, SND_UNA, SND_NXT, SND_MAX, SND_WND, RCV_NXT, CWND, SSTHRESH, R2, LISTENER,
  RTO, T_RTX, T_ACK, T_PERSIST, T_2, T_KEEP, PENDING, ERROR, KEEP_PROBES, RTX_COUNT, PERSIST_SHIFT, LS_PORT, LS_BACKLOG, LS_PENDING, LS_WORDS, F_APP, F_ACCEPT_Q,
  F_APP_CLOSED, F_SHUT_WR, F_FIN_RCVD, F_ACK_NOW, F_NODELAY, F_KEEPALIVE, P_READABLE, OFF, noHandler, rcvWindow, arm
} from './tcb.js';
import type { Tcb, TcpHandler } from './tcb.js';
import { transition, freeSlot, find, findListener, allocSlot, openSlot } from './slots.js';
import { acceptable, flush } from './events.js';
import { output, emit, sendRstFor, bareSeq } from './output.js';
import { KEEPALIVE } from '../features.js';

/**
 * After a user call that can start a timer (connect, write, read, shutdown, close,
 * keepalive), made outside input and poll: nothing would poll the stack before the deadline
 * the HAL already holds, so tell the HAL (src/hal.ts). Inside them (an event handler), the
 * HAL polls when they return anyway.
 */
function wake(t: Tcb): void {
  if (!t.inside) t.wake();
}

/** A handler argument: a function, or undefined for none. */
function optHandler(what: string, handler: TcpHandler | undefined): void {
  if (handler !== undefined && typeof handler !== 'function') throw new E.StackError(E.EINVAL, what + ': handler must be a function');
}

/** A handle the application holds, or a StackError (EBADF). */
function owned(t: Tcb, conn: number, what: string): number {
  // (conn | 0) === conn: an integer (no Math.floor: on Espruino a built-in is found only after a walk over every global).
  if (!(conn >= 0 && conn < t.n && (conn | 0) === conn) || !(t.v[conn * W32 + FL] & F_APP) || (t.v[conn * W32 + FL] & F_APP_CLOSED)) {
    throw new E.StackError(E.EBADF, what + ': ' + String(conn) + ' is not an open connection handle');
  }
  return conn;
}

/** The listen-table index of a listener handle, or a StackError (EBADF). */
function listenerIndex(t: Tcb, h: number, what: string): number {
  const l = h - C.LISTENER_BASE;
  if (!(l >= 0 && l < t.nls && (l | 0) === l) || t.ls[l * LS_WORDS + LS_PORT] === 0) {
    throw new E.StackError(E.EBADF, what + ': ' + String(h) + ' is not a listener handle');
  }
  return l;
}

/** A connection slot number (any slot, held or not), or a StackError (EBADF). */
function slot(t: Tcb, i: number, what: string): number {
  if (!(i >= 0 && i < t.n && (i | 0) === i)) throw new E.StackError(E.EBADF, what + ': ' + String(i) + ' is not a connection handle');
  return i;
}

/** Register the default event handler, for handles without their own. */
export function tcpOnEvent(t: Tcb, handler: TcpHandler): void {
  if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'onTcp: handler must be a function');
  t.handler = handler;
}

/**
 * Passive OPEN: listen on `port` with an accept backlog of 1..255. Returns a
 * listener handle (LISTENER_BASE + index), or -EADDRINUSE (already listening), -ENOBUFS
 * (listen table full). `handler` gets EV_ACCEPTABLE and is inherited by accepted connections.
 */
export function tcpListen(t: Tcb, port: number, backlog: number, handler: TcpHandler | undefined): number {
  check.port('tcpListen', port);
  check.intIn('tcpListen', 'backlog', backlog, 1, 255, E.EINVAL);
  optHandler('tcpListen', handler);
  const ls = t.ls;
  t.now = t.clock();
  if (findListener(t, port) >= 0) return -E.EADDRINUSE;
  const l = findListener(t, 0);
  if (l < 0) return -E.ENOBUFS;
  ls[l * LS_WORDS + LS_PORT] = port;
  ls[l * LS_WORDS + LS_BACKLOG] = backlog;
  ls[l * LS_WORDS + LS_PENDING] = 0;
  t.lsHandler[l] = handler !== undefined ? handler : noHandler;
  return C.LISTENER_BASE + l;
}

/** Stop listening; embryonic and unaccepted connections of this listener are reset. */
export function tcpUnlisten(t: Tcb, h: number): void {
  const st = t.st;
  const v = t.v;
  const ls = t.ls;
  t.now = t.clock();
  const l = listenerIndex(t, h, 'tcpUnlisten');
  for (let i = 0; i < t.n; i++) {
    if (v[i * W32 + LISTENER] === l && !(v[i * W32 + FL] & F_APP) && st[i] !== C.CLOSED) {
      // The peer believes in this connection; tell it otherwise.
      sendRstFor(t, i);
      transition(t, i, st[i], C.CLOSED, ev.CAUSE_UNLISTEN);
      freeSlot(t, i);
    } else if (v[i * W32 + LISTENER] === l) {
      v[i * W32 + LISTENER] = -1;
    }
  }
  ls[l * LS_WORDS + LS_PORT] = 0;
  ls[l * LS_WORDS + LS_PENDING] = 0;
  t.lsHandler[l] = noHandler;
}

/** Take the oldest established connection from the listener's queue, or -EAGAIN. */
export function tcpAccept(t: Tcb, h: number): number {
  const v = t.v;
  const u8 = t.u8;
  const ls = t.ls;
  t.now = t.clock();
  const l = listenerIndex(t, h, 'tcpAccept');
  const i = acceptable(t, l);
  if (i < 0) return -E.EAGAIN;
  v[i * W32 + FL] = (v[i * W32 + FL] & ~F_ACCEPT_Q) | F_APP;
  if (ls[l * LS_WORDS + LS_PENDING] > 0) ls[l * LS_WORDS + LS_PENDING]--;
  t.connHandler[i] = t.lsHandler[l];
  // Events that happened before accept (data, FIN) are reported now.
  if (t.rcv[i].len > 0 || (v[i * W32 + FL] & F_FIN_RCVD)) {
    u8[i * W8 + PENDING] |= P_READABLE;
    t.pend++;
  }
  return i;
}

/** A free ephemeral port for this peer, or -1. */
function pickPort(t: Tcb, raddr: number, rport: number): number {
  for (let k = 0; k < 16384; k++) {
    const p = t.ephemeral;
    t.ephemeral = t.ephemeral >= 65535 ? 49152 : t.ephemeral + 1;
    if (find(t, raddr, rport, p) < 0 && findListener(t, p) < 0) return p;
  }
  return -1;
}

/**
 * Active OPEN to (raddr, rport) from local port lport (0 = ephemeral): the SYN goes out now.
 * Returns the handle (state SYN-SENT), or -EADDRINUSE (that connection exists, or no ephemeral
 * port is free), -ENOBUFS (the table is full and holds no TIME-WAIT to recycle).
 */
export function tcpConnect(t: Tcb, raddr: number, rport: number, lport: number, handler: TcpHandler | undefined): number {
  raddr = check.dest('tcpConnect', raddr, t.addr, false);
  check.port('tcpConnect', rport);
  if (lport !== 0) check.intIn('tcpConnect', 'local port', lport, 1, 65535, E.EINVAL);
  optHandler('tcpConnect', handler);
  const c = open(t, raddr, rport, lport, handler, C.CLOSED, ev.CAUSE_CONNECT);
  wake(t);
  return c;
}

/** OPEN: take a slot and send the SYN; the trace records `from` -> SYN-SENT for `cause`. */
function open(t: Tcb, raddr: number, rport: number, lport: number, handler: TcpHandler | undefined, from: number, cause: number): number {
  const v = t.v;
  t.now = t.clock();
  if (lport === 0) lport = pickPort(t, raddr, rport);
  if (lport < 0) return -E.EADDRINUSE;
  if (find(t, raddr, rport, lport) >= 0) return -E.EADDRINUSE;
  const i = allocSlot(t);
  if (i < 0) return -E.ENOBUFS;
  openSlot(t, i, raddr, lport, rport);
  v[i * W32 + FL] = F_APP;
  t.connHandler[i] = handler !== undefined ? handler : noHandler;
  transition(t, i, from, C.SYN_SENT, cause);
  output(t, i);
  return i;
}

/** RFC 793 §3.9 (SEND/OPEN in LISTEN): the listening endpoint turns active; LISTEN -> SYN-SENT. */
export function tcpConnectFrom(t: Tcb, h: number, raddr: number, rport: number): number {
  raddr = check.dest('tcpConnectFrom', raddr, t.addr, false);
  check.port('tcpConnectFrom', rport);
  const l = listenerIndex(t, h, 'tcpConnectFrom');
  const lport = t.ls[l * LS_WORDS + LS_PORT];
  const handler = t.lsHandler[l];
  tcpUnlisten(t, h);
  // The trace shows the endpoint's own path: it was listening, now it is SYN-SENT.
  const c = open(t, raddr, rport, lport, handler, C.LISTEN, ev.CAUSE_SEND);
  wake(t);
  return c;
}


/**
 * SEND buf[off, off+len): returns the octets the send ring took,
 * -EAGAIN when it is full, or, once the connection is over, -errno (-EPIPE after an orderly
 * end). Writing after shutdown is misuse (EPIPE thrown).
 */
export function tcpWrite(t: Tcb, conn: number, buf: Uint8Array, off: number, len: number): number {
  check.range('tcpWrite', buf, off, len);
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  if (!t.inside) t.now = t.clock(); // inside input or poll, t.now is already the time
  const i = owned(t, conn, 'tcpWrite');
  if (v[i * W32 + FL] & F_SHUT_WR) throw new E.StackError(E.EPIPE, 'tcpWrite: connection ' + i + ' was shut down for writing');
  const s = st[i];
  if (s === C.CLOSED) {
    wake(t);
    return u8[i * W8 + ERROR] === E.E_OK ? -E.EPIPE : -u8[i * W8 + ERROR];
  }
  if (len === 0) {
    wake(t);
    return 0;
  }
  const n = ringWrite(t.snd[i], buf, off, len);
  if (n === 0) {
    wake(t);
    return -E.EAGAIN;
  }
  output(t, i);
  flush(t);
  wake(t);
  return n;
}

/**
 * Room in the send ring: the octets tcpWrite would take now (lwIP's `tcp_sndbuf`), so an
 * application can read only what it can pass on and keep no buffer of its own. 0 when the
 * ring is full (EV_WRITABLE follows), and once the connection can send no more (closed, or
 * shut down for writing).
 */
export function tcpWritable(t: Tcb, conn: number): number {
  const i = owned(t, conn, 'tcpWritable');
  if (t.st[i] === C.CLOSED || (t.v[i * W32 + FL] & F_SHUT_WR) !== 0) return 0;
  return ringFree(t.snd[i]);
}

/**
 * RECEIVE into buf[off, off+len): the octets copied out; 0 at the end
 * of the stream (the peer's FIN, everything read); -EAGAIN when nothing is there yet;
 * -ECONNRESET (or the error that ended it) after a reset or timeout.
 */
export function tcpRead(t: Tcb, conn: number, buf: Uint8Array, off: number, len: number): number {
  check.range('tcpRead', buf, off, len);
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  if (!t.inside) t.now = t.clock(); // inside input or poll, t.now is already the time
  const i = owned(t, conn, 'tcpRead');
  const ring = t.rcv[i];
  if (ring.len === 0) {
    if (st[i] === C.CLOSED && u8[i * W8 + ERROR] !== E.E_OK) {
      wake(t);
      return -u8[i * W8 + ERROR];
    }
    if ((v[i * W32 + FL] & F_FIN_RCVD) || st[i] === C.CLOSED) {
      wake(t);
      return 0;
    }
    wake(t);
    return -E.EAGAIN;
  }
  if (len === 0) {
    wake(t);
    return 0;
  }
  const n = ringRead(ring, buf, off, len);
  // Tell the peer when the window has opened by a useful amount (RFC 9293 §3.8.6.2.2).
  const s = st[i];
  if (n > 0 && (s === C.ESTABLISHED || s === C.FIN_WAIT_1 || s === C.FIN_WAIT_2)) {
    const cur = rcvWindow(t, i);
    const half = t.cfg.tcpRcvBuf >> 1;
    const mss = t.cfg.mtu - 40;
    if (ringFree(ring) - cur >= (half < mss ? half : mss)) {
      v[i * W32 + FL] |= F_ACK_NOW;
      t.why = ev.WHY_WINDOW_UPDATE;
      output(t, i);
      t.why = 0;
    }
  }
  wake(t);
  return n;
}

/**
 * Look at what tcpRead would return without consuming it (recv with MSG_PEEK): the same
 * results, the octets copied but left in the receive ring, and no window update.
 */
export function tcpPeek(t: Tcb, conn: number, buf: Uint8Array, off: number, len: number): number {
  check.range('tcpPeek', buf, off, len);
  const i = owned(t, conn, 'tcpPeek');
  const ring = t.rcv[i];
  if (ring.len === 0) {
    const e = t.u8[i * W8 + ERROR];
    if (t.st[i] === C.CLOSED && e !== E.E_OK) return -e;
    if ((t.v[i * W32 + FL] & F_FIN_RCVD) || t.st[i] === C.CLOSED) return 0;
    return -E.EAGAIN;
  }
  return ringPeek(ring, buf, off, 0, len);
}

/** Half-close (SHUT_WR): a FIN follows the queued data; reading goes on. */
export function tcpShutdown(t: Tcb, conn: number): void {
  const v = t.v;
  t.now = t.clock();
  const i = owned(t, conn, 'tcpShutdown');
  if (v[i * W32 + FL] & F_SHUT_WR) return;
  v[i * W32 + FL] |= F_SHUT_WR;
  closeTransition(t, i);
  wake(t);
}

/** CLOSE (§3.10.4): the application is done with the handle. */
export function tcpClose(t: Tcb, conn: number): void {
  const st = t.st;
  const v = t.v;
  const tm = t.tm;
  t.now = t.clock();
  const i = owned(t, conn, 'tcpClose');
  const s = st[i];
  if (s === C.CLOSED) {
    // Reset or timed out earlier: the application lets go of the slot now.
    v[i * W32 + FL] |= F_APP_CLOSED;
    freeSlot(t, i);
    wake(t);
    return;
  }
  // RFC 2525 §2.17 (and Linux): closing with unread data loses it, so say so with a RST.
  if (t.rcv[i].len > 0 && s !== C.SYN_SENT) {
    t.why = ev.WHY_RST_ABORT;
    emit(t, v[i * W32 + RADDR], v[i * W32 + LPORT], v[i * W32 + RPORT], bareSeq(t, i), v[i * W32 + RCV_NXT], tcpw.RST | tcpw.ACK, 0, 0, null, 0, 0, -1);
    t.why = 0;
    t.cnt[stats.CNT_TCP_RST_SENT]++;
    transition(t, i, s, C.CLOSED, ev.CAUSE_CLOSE);
    v[i * W32 + FL] |= F_APP_CLOSED;
    freeSlot(t, i);
    wake(t);
    return;
  }
  v[i * W32 + FL] |= F_APP_CLOSED | F_SHUT_WR;
  if (s === C.SYN_SENT) {
    transition(t, i, C.SYN_SENT, C.CLOSED, ev.CAUSE_CLOSE);
    freeSlot(t, i);
    wake(t);
    return;
  }
  if (s === C.FIN_WAIT_2 && tm[i * W64 + T_2] === OFF) arm(t, i * W64 + T_2, t.now + t.cfg.tcpFinWait2Timeout);
  closeTransition(t, i);
  flush(t);
  wake(t);
}

/** ESTABLISHED/SYN-RECEIVED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK, then send what can be sent. */
function closeTransition(t: Tcb, i: number): void {
  const st = t.st;
  const s = st[i];
  if (s === C.ESTABLISHED || s === C.SYN_RECEIVED) transition(t, i, s, C.FIN_WAIT_1, ev.CAUSE_CLOSE);
  else if (s === C.CLOSE_WAIT) transition(t, i, C.CLOSE_WAIT, C.LAST_ACK, ev.CAUSE_CLOSE);
  output(t, i);
}

/** ABORT (§3.10.5): RST to the peer in a synchronized state, and the slot is free at once. */
export function tcpAbort(t: Tcb, conn: number): void {
  const st = t.st;
  const v = t.v;
  t.now = t.clock();
  const i = owned(t, conn, 'tcpAbort');
  const s = st[i];
  if (s !== C.CLOSED && s !== C.SYN_SENT) sendRstFor(t, i);
  if (s !== C.CLOSED) transition(t, i, s, C.CLOSED, ev.CAUSE_ABORT);
  v[i * W32 + FL] |= F_APP_CLOSED;
  freeSlot(t, i);
}

/** The state of a handle: a connection slot's (CLOSED once it is over), or LISTEN for a listener. */
export function tcpState(t: Tcb, h: number): number {
  const st = t.st;
  if (h >= C.LISTENER_BASE) {
    listenerIndex(t, h, 'tcpState');
    return C.LISTEN;
  }
  return st[slot(t, h, 'tcpState')];
}

/** Give a connection or a listener its own event handler (a listener's passes to the connections it accepts later). */
export function tcpSetHandler(t: Tcb, h: number, handler: TcpHandler): void {
  if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'tcpSetHandler: handler must be a function');
  if (h >= C.LISTENER_BASE) t.lsHandler[listenerIndex(t, h, 'tcpSetHandler')] = handler;
  else t.connHandler[owned(t, h, 'tcpSetHandler')] = handler;
}

/** The pending error, cleared by reading it (like SO_ERROR). */
export function tcpError(t: Tcb, conn: number): number {
  const u8 = t.u8;
  const i = owned(t, conn, 'tcpError');
  const e = u8[i * W8 + ERROR];
  u8[i * W8 + ERROR] = E.E_OK;
  return e;
}

/** Turn Nagle off (true) or on (false) for one connection (MUST-17). */
export function tcpSetNoDelay(t: Tcb, conn: number, on: boolean): void {
  const v = t.v;
  const i = owned(t, conn, 'tcpSetNoDelay');
  if (on) v[i * W32 + FL] |= F_NODELAY;
  else v[i * W32 + FL] &= ~F_NODELAY;
}

/** Keepalive on or off for one connection (MUST-24; off by default, MUST-25). */
export function tcpSetKeepAlive(t: Tcb, conn: number, on: boolean): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const i = owned(t, conn, 'tcpSetKeepAlive');
  if (!KEEPALIVE) {
    if (on) throw new E.StackError(E.EINVAL, 'tcpSetKeepAlive: this build has no keepalive (src/features.ts)');
    wake(t);
    return;
  }
  t.now = t.clock();
  if (on) {
    v[i * W32 + FL] |= F_KEEPALIVE;
    u8[i * W8 + KEEP_PROBES] = 0;
    arm(t, i * W64 + T_KEEP, t.now + t.cfg.tcpKeepIdle);
  } else {
    v[i * W32 + FL] &= ~F_KEEPALIVE;
    tm[i * W64 + T_KEEP] = OFF;
  }
  wake(t);
}

/** Set R2 for one connection, 1 ms .. 1 day (MUST-21). */
export function tcpSetR2(t: Tcb, conn: number, ms: number): void {
  check.intIn('tcpSetR2', 'R2 (ms)', ms, 1, 86400000, E.EINVAL);
  const v = t.v;
  const i = owned(t, conn, 'tcpSetR2');
  v[i * W32 + R2] = ms;
}

/** cwnd, ssthresh, SND.WND and RTO of a connection slot into out[0..3] (tests, tools). */
export function tcpCongestion(t: Tcb, conn: number, out: Int32Array): void {
  if (!(out instanceof Int32Array) || out.length < 4) throw new E.StackError(E.EINVAL, 'tcpCongestion: out must be an Int32Array of 4');
  const v = t.v;
  const tm = t.tm;
  const i = slot(t, conn, 'tcpCongestion');
  out[0] = v[i * W32 + CWND];
  out[1] = v[i * W32 + SSTHRESH];
  out[2] = v[i * W32 + SND_WND];
  out[3] = tm[i * W64 + RTO];
}

/** Slots in `state` (tests and tools; CLOSED counts handles the application still holds after a reset). */
export function tcpCount(t: Tcb, state: number): number {
  check.intIn('tcpCount', 'state', state, 0, 10, E.EINVAL);
  const st = t.st;
  const v = t.v;
  let c = 0;
  for (let i = 0; i < t.n; i++) if (st[i] === state && (state !== C.CLOSED || (v[i * W32 + FL] & F_APP))) c++;
  return c;
}

/** Slots in use (anything but a free slot). */
export function tcpInUse(t: Tcb): number {
  const st = t.st;
  const v = t.v;
  let c = 0;
  for (let i = 0; i < t.n; i++) if (st[i] !== C.CLOSED || (v[i * W32 + FL] & F_APP)) c++;
  return c;
}

/** Local port, remote address and port, SND.UNA, SND.NXT, RCV.NXT, Send-Q, Recv-Q, SND.MAX of a slot into out[0..8] (tools: netstat). */
export function tcpEndpoint(t: Tcb, conn: number, out: Int32Array): void {
  if (!(out instanceof Int32Array) || out.length < 8) throw new E.StackError(E.EINVAL, 'tcpEndpoint: out must be an Int32Array of 8 or 9');
  const v = t.v;
  const i = slot(t, conn, 'tcpEndpoint');
  out[0] = v[i * W32 + LPORT];
  out[1] = v[i * W32 + RADDR];
  out[2] = v[i * W32 + RPORT];
  out[3] = v[i * W32 + SND_UNA];
  out[4] = v[i * W32 + SND_NXT];
  out[5] = v[i * W32 + RCV_NXT];
  out[6] = t.snd[i].len;
  out[7] = t.rcv[i].len;
  if (out.length > 8) out[8] = v[i * W32 + SND_MAX];
}


/**
 * The timers of a connection slot into out[0..8] (netstat, teaching tools): the deadlines
 * (absolute ms, 0 = not running) of the retransmission timer, persist, delayed ACK, keepalive
 * and 2·MSL / FIN-WAIT-2, with the retransmissions so far, the persist backoff, the keepalive
 * probes sent, and the RTO: [T_RTX, retransmits, T_PERSIST, backoff, T_ACK, T_KEEP, probes, T_2, RTO].
 */
export function tcpTimers(t: Tcb, conn: number, out: Float64Array): void {
  if (!(out instanceof Float64Array) || out.length < 9) throw new E.StackError(E.EINVAL, 'tcpTimers: out must be a Float64Array of 9');
  const i = slot(t, conn, 'tcpTimers');
  const tm = t.tm;
  const u8 = t.u8;
  out[0] = tm[i * W64 + T_RTX];
  out[1] = u8[i * W8 + RTX_COUNT];
  out[2] = tm[i * W64 + T_PERSIST];
  out[3] = u8[i * W8 + PERSIST_SHIFT];
  out[4] = tm[i * W64 + T_ACK];
  out[5] = tm[i * W64 + T_KEEP];
  out[6] = u8[i * W8 + KEEP_PROBES];
  out[7] = tm[i * W64 + T_2];
  out[8] = tm[i * W64 + RTO];
}

/**
 * The listeners, four Int32 words each into out (handle, port, backlog, connections waiting to
 * be accepted), as many as fit; returns how many there are.
 */
export function tcpListeners(t: Tcb, out: Int32Array): number {
  if (!(out instanceof Int32Array)) throw new E.StackError(E.EINVAL, 'tcpListeners: out must be an Int32Array');
  let k = 0;
  for (let l = 0; l < t.nls; l++) {
    if (t.ls[l * LS_WORDS + LS_PORT] === 0) continue;
    if (4 * k + 3 < out.length) {
      out[4 * k] = C.LISTENER_BASE + l;
      out[4 * k + 1] = t.ls[l * LS_WORDS + LS_PORT];
      out[4 * k + 2] = t.ls[l * LS_WORDS + LS_BACKLOG];
      out[4 * k + 3] = t.ls[l * LS_WORDS + LS_PENDING];
    }
    k++;
  }
  return k;
}
