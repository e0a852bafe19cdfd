/**
 * Segment arrival: RFC 9293 §3.10.7 "SEGMENT ARRIVES", step by step, with the RFC 5961
 * defences it folds in, and the ICMP errors that quote our segments (§3.9.2.2).
 *
 * Contract:
 * - `input(t, buf, off, len, src, dst, broadcast, now)` takes one TCP segment the IP layer
 *   has checked, parses it into the one receive repr, finds its connection or listener and
 *   runs the section that applies: §3.10.7.1 (no connection: RST), §3.10.7.2 (LISTEN),
 *   §3.10.7.3 (SYN-SENT), §3.10.7.4 (every other state: sequence check, RST, SYN, ACK,
 *   then receive.ts for the text and the FIN). Every segment not used is counted by reason
 *   in t.drops; nothing throws and nothing allocates.
 * - A batch spans the frames of one chunk from the line (MUST-59): net.ts sets t.batching at
 *   the chunk's first frame and calls `endBatch` after it; bare ACKs wait until every segment
 *   in it has been processed, then one goes out per connection (MUST-58).
 * - `icmpError` hands a quoted segment to its connection (RFC 5927 checks; hard errors end
 *   only a SYN-SENT connection, MUST-56).
 * Events for the application are delivered (events.ts flush) when input returns.
 */
import * as C from './constants.js';
import * as E from '../errno.js';
import * as tcpw from '../wire/tcp.js';
import * as ipv4 from '../wire/ipv4.js';
import * as err from '../wire/err.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { seqLt, seqLe, seqGt, seqInWindow } from '../wire/seq.js';
import { ringFree } from '../storage/ring.js';
import {
  W32, W64, W8, FL, ISS, SND_UNA, SND_NXT, SND_MAX, SND_WND, SND_WL1, SND_WL2, MAX_SND_WND, SND_FIN, SND_MSS, IRS,
  RCV_NXT, RCV_ADV, RCV_ACKED, CWND, LISTENER, T_RTX, T_2, T_KEEP, ERROR, ACK_WHY, RTX_COUNT, KEEP_PROBES, LS_BACKLOG,
  LS_PENDING, LS_WORDS, F_PASSIVE, F_APP_CLOSED, F_ACK_NOW, F_SYN_ACKED, F_FIN_SENT, F_FIN_RCVD, F_KEEPALIVE,
  F_ACK_DEFERRED, F_SACK, OFF, segLen, rcvWindow, effectiveMss, initialWindow, arm
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { transition, freeSlot, closeSlot, enterTimeWait, find, findListener, countSynRcvd, allocSlot, openSlot } from './slots.js';
import { established, flush } from './events.js';
import { output, sendAck, sendRst, challengeAck } from './output.js';
import { rttSample, newAck, isDupAck, dupAck, sackArrived } from './congestion.js';
import { cookieAccept, sendCookie } from './syncookie.js';
import { textArrived, finArrived } from './receive.js';
import { SACK, SYN_COOKIES, KEEPALIVE } from '../features.js';

/** §3.10.7.1: no connection. Answer anything but a RST with a RST, so the peer gives up at once. */
export function closedInput(t: Tcb): void {
  const seg = t.seg;
  t.drops[stats.DROP_TCP_NO_SOCKET]++;
  if (seg.flags & tcpw.RST) return;
  if (seg.flags & tcpw.ACK) sendRst(t, t.src, seg.dstPort, seg.srcPort, seg.ack, 0, tcpw.RST);
  else sendRst(t, t.src, seg.dstPort, seg.srcPort, 0, (seg.seq + segLen(t)) | 0, tcpw.RST | tcpw.ACK);
}

/** Take the peer's SYN: its ISN, MSS and window (shared by LISTEN and SYN-SENT). */
export function synReceived(t: Tcb, i: number): void {
  const v = t.v;
  const B32 = i * W32;
  const seg = t.seg;
  v[B32 + IRS] = seg.seq;
  v[B32 + RCV_NXT] = (seg.seq + 1) | 0;
  v[B32 + RCV_ACKED] = v[B32 + RCV_NXT];
  v[B32 + SND_MSS] = effectiveMss(t, seg.mss);
  v[B32 + CWND] = initialWindow(v[B32 + SND_MSS]);
  v[B32 + SND_WND] = seg.window;
  v[B32 + MAX_SND_WND] = seg.window;
  v[B32 + SND_WL1] = seg.seq;
  v[B32 + SND_WL2] = seg.ack;
  v[B32 + RCV_ADV] = (v[B32 + RCV_NXT] + ringFree(t.rcv[i])) | 0;
  // RFC 2018 §2: SACK is used only if both SYNs carry SACK-permitted. Ours always does when
  // tcpSack is on (an active SYN offers it; a SYN-ACK answers the peer's offer).
  if (SACK && t.cfg.tcpSack && seg.sackPermitted) v[B32 + FL] |= F_SACK;
}

/** §3.10.7.2: a segment for a listening port (its data at buf[dataOff..]). */
export function listenInput(t: Tcb, l: number, buf: Uint8Array, dataOff: number): void {
  const v = t.v;
  const ls = t.ls;
  const seg = t.seg;
  const f = seg.flags;
  if (f & tcpw.RST) {
    t.drops[stats.DROP_TCP_LISTEN]++;
    return;
  }
  if (f & tcpw.ACK) {
    // RFC 4987 §3.6: an ACK for a SYN cookie we sent creates the connection here.
    if (SYN_COOKIES && !(f & tcpw.SYN) && t.cfg.tcpSynCookies && cookieAccept(t, l)) {
      // The ACK may carry the client's first data (and a FIN): the connection now exists
      // in ESTABLISHED, so the rest of the segment is processed as §3.10.7.4 reads, as
      // Linux does with its cookie child. Dropped, it would wait for the client's RTO.
      const i = seg.payloadLen > 0 || (f & tcpw.FIN) ? find(t, t.src, seg.srcPort, seg.dstPort) : -1;
      if (i >= 0) arrives(t, i, buf, dataOff);
      return;
    }
    t.drops[stats.DROP_TCP_LISTEN]++;
    sendRst(t, t.src, seg.dstPort, seg.srcPort, seg.ack, 0, tcpw.RST);
    return;
  }
  if (!(f & tcpw.SYN)) {
    t.drops[stats.DROP_TCP_LISTEN]++;
    return;
  }
  // A SYN. Bounded embryonic state (RFC 4987): past the listener's backlog or the table's
  // SYN-RECEIVED limit, answer statelessly with a SYN cookie instead of taking a slot.
  let i = -1;
  if (ls[l * LS_WORDS + LS_PENDING] < ls[l * LS_WORDS + LS_BACKLOG] && countSynRcvd(t) < t.cfg.tcpMaxSynRcvd) i = allocSlot(t);
  if (i < 0) {
    if (SYN_COOKIES && t.cfg.tcpSynCookies) sendCookie(t);
    else t.drops[stats.DROP_TCP_BACKLOG]++;
    return;
  }
  openSlot(t, i, t.src, seg.dstPort, seg.srcPort);
  v[i * W32 + FL] = F_PASSIVE;
  v[i * W32 + LISTENER] = l;
  synReceived(t, i);
  transition(t, i, C.LISTEN, C.SYN_RECEIVED, ev.CAUSE_RCV_SYN);
  output(t, i);
}

/** Our SYN was acknowledged by `ack`: advance SND.UNA past it and take an RTT sample. */
export function ackOurSyn(t: Tcb, i: number, ack: number): void {
  const v = t.v;
  const u8 = t.u8;
  const tm = t.tm;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  v[B32 + FL] |= F_SYN_ACKED;
  rttSample(t, i, ack);
  v[B32 + SND_UNA] = ack;
  if (v[B32 + SND_UNA] === v[B32 + SND_MAX]) {
    tm[B64 + T_RTX] = OFF;
    u8[B8 + RTX_COUNT] = 0;
  }
}

/** §3.10.7.3: SYN-SENT. */
export function synSentInput(t: Tcb, i: number, _buf: Uint8Array, _dataOff: number): void {
  const v = t.v;
  const B32 = i * W32;
  const seg = t.seg;
  const f = seg.flags;
  let ackOk = false;
  if (f & tcpw.ACK) {
    // First: an ACK that does not acknowledge our SYN is a leftover of an old connection.
    if (seqLe(seg.ack, v[B32 + ISS]) || seqGt(seg.ack, v[B32 + SND_MAX])) {
      t.drops[stats.DROP_TCP_BAD_ACK]++;
      if (!(f & tcpw.RST)) sendRst(t, t.src, seg.dstPort, seg.srcPort, seg.ack, 0, tcpw.RST);
      return;
    }
    ackOk = seqLt(v[B32 + SND_UNA], seg.ack) && seqLe(seg.ack, v[B32 + SND_MAX]);
  }
  // Second: RST. Only with an acceptable ACK does it refuse the connection (RFC 5961 §3 also
  // leaves SYN-SENT to this rule).
  if (f & tcpw.RST) {
    if (!ackOk) {
      t.drops[stats.DROP_TCP_RST_IGNORED]++;
      return;
    }
    closeSlot(t, i, C.REASON_REFUSED, E.ECONNREFUSED, ev.CAUSE_RCV_RST);
    return;
  }
  // Fourth: SYN.
  if (!(f & tcpw.SYN)) {
    t.drops[stats.DROP_TCP_NO_ACK]++;
    return;
  }
  synReceived(t, i);
  if (ackOk) {
    ackOurSyn(t, i, seg.ack);
    v[B32 + SND_WL2] = seg.ack;
    transition(t, i, C.SYN_SENT, C.ESTABLISHED, ev.CAUSE_RCV_SYN_ACK);
    established(t, i);
    v[B32 + FL] |= F_ACK_NOW;
    if (seg.payloadLen > 0) textArrived(t, i, _buf, _dataOff);
    if ((f & tcpw.FIN) && ((seg.seq + 1 + seg.payloadLen) | 0) === v[B32 + RCV_NXT]) finArrived(t, i);
  } else {
    // Simultaneous open (MUST-10): both SYNs crossed. SYN-ACK with our original ISS.
    transition(t, i, C.SYN_SENT, C.SYN_RECEIVED, ev.CAUSE_RCV_SYN);
    v[B32 + SND_NXT] = v[B32 + SND_UNA];
  }
  output(t, i);
}

/** A RST at exactly RCV.NXT, in a synchronized state (§3.10.7.4, second). */
export function resetArrived(t: Tcb, i: number): void {
  const st = t.st;
  const v = t.v;
  const B32 = i * W32;
  const s = st[i];
  if (s === C.SYN_RECEIVED && (v[B32 + FL] & F_PASSIVE)) {
    // MUST-11: a passive open goes back to LISTEN. The listener never stopped listening;
    // the embryonic connection is simply forgotten.
    transition(t, i, C.SYN_RECEIVED, C.LISTEN, ev.CAUSE_RCV_RST);
    freeSlot(t, i);
    return;
  }
  if (s === C.SYN_RECEIVED) {
    closeSlot(t, i, C.REASON_REFUSED, E.ECONNREFUSED, ev.CAUSE_RCV_RST);
    return;
  }
  const readable = s === C.ESTABLISHED || s === C.FIN_WAIT_1 || s === C.FIN_WAIT_2 || s === C.CLOSE_WAIT;
  closeSlot(t, i, C.REASON_RESET, readable ? E.ECONNRESET : E.E_OK, ev.CAUSE_RCV_RST);
}

/** §3.10.7.4, fifth: the ACK field. Returns false when the segment must be dropped. */
export function ackArrived(t: Tcb, i: number): boolean {
  const st = t.st;
  const v = t.v;
  const tm = t.tm;
  const B32 = i * W32;
  const B64 = i * W64;
  const seg = t.seg;
  const ack = seg.ack;
  const s = st[i];
  if (s === C.SYN_RECEIVED) {
    if (!(seqLt(v[B32 + SND_UNA], ack) && seqLe(ack, v[B32 + SND_MAX]))) {
      t.drops[stats.DROP_TCP_BAD_ACK]++;
      sendRst(t, t.src, seg.dstPort, seg.srcPort, ack, 0, tcpw.RST);
      return false;
    }
    ackOurSyn(t, i, ack);
    v[B32 + SND_WND] = seg.window;
    v[B32 + SND_WL1] = seg.seq;
    v[B32 + SND_WL2] = ack;
    if (seg.window > v[B32 + MAX_SND_WND]) v[B32 + MAX_SND_WND] = seg.window;
    transition(t, i, C.SYN_RECEIVED, C.ESTABLISHED, ev.CAUSE_RCV_ACK);
    established(t, i);
    return true;
  }
  // RFC 5961 §5: acceptable only if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT.
  if (seqGt(ack, v[B32 + SND_MAX])) {
    t.drops[stats.DROP_TCP_BAD_ACK]++;
    challengeAck(t, i);
    return false;
  }
  if (seqLt(ack, (v[B32 + SND_UNA] - v[B32 + MAX_SND_WND]) | 0)) {
    t.drops[stats.DROP_TCP_BAD_ACK]++;
    challengeAck(t, i);
    return false;
  }
  // The peer answered: a persist-timer deadline (T_2) stops. In FIN-WAIT-2 and TIME-WAIT
  // the second timer is theirs and keeps running.
  if (s !== C.FIN_WAIT_2 && s !== C.TIME_WAIT) tm[B64 + T_2] = OFF;
  const newlySacked = SACK && (v[B32 + FL] & F_SACK) !== 0 && seg.sackCount > 0 && sackArrived(t, i, ack);
  const advances = seqGt(ack, v[B32 + SND_UNA]);
  // (A duplicate ACK repeats the window we know: judged before the update below.)
  const dup = !advances && (isDupAck(t, i) || (newlySacked && ack === v[B32 + SND_UNA] && seg.payloadLen === 0));
  // Window update (§3.10.7.4): only from a segment newer than the last one that set it.
  // It comes before the retransmissions this ACK triggers (a NewReno partial ACK, a fast
  // retransmit), so they fit the window the peer offers now (SHLD-16), not the last one.
  if (seqLt(v[B32 + SND_WL1], seg.seq) || (v[B32 + SND_WL1] === seg.seq && seqLe(v[B32 + SND_WL2], ack))) {
    v[B32 + SND_WND] = seg.window;
    v[B32 + SND_WL1] = seg.seq;
    v[B32 + SND_WL2] = ack;
    if (seg.window > v[B32 + MAX_SND_WND]) v[B32 + MAX_SND_WND] = seg.window;
  }
  if (advances) newAck(t, i, ack);
  else if (dup) dupAck(t, i);
  const finAcked = (v[B32 + FL] & F_FIN_SENT) !== 0 && seqGt(v[B32 + SND_UNA], v[B32 + SND_FIN]);
  if (s === C.FIN_WAIT_1 && finAcked) {
    const finNow = (seg.flags & tcpw.FIN) !== 0 && ((seg.seq + seg.payloadLen) | 0) === v[B32 + RCV_NXT];
    if (!finNow) {
      transition(t, i, C.FIN_WAIT_1, C.FIN_WAIT_2, ev.CAUSE_RCV_ACK);
      // A connection the application closed cannot wait forever for the peer's FIN.
      if (v[B32 + FL] & F_APP_CLOSED) arm(t, B64 + T_2, t.now + t.cfg.tcpFinWait2Timeout);
    }
    // else: the FIN in this same segment takes FIN-WAIT-1 straight to TIME-WAIT (eighth step).
  } else if (s === C.CLOSING && finAcked) {
    enterTimeWait(t, i, C.CLOSING, ev.CAUSE_RCV_ACK);
  } else if (s === C.LAST_ACK && finAcked) {
    closeSlot(t, i, C.REASON_FIN, E.E_OK, ev.CAUSE_RCV_ACK);
    return true;
  }
  return true;
}

/** Everything after LISTEN: §3.10.7.3 (SYN-SENT) and §3.10.7.4 (the rest). */
export function arrives(t: Tcb, i: number, buf: Uint8Array, dataOff: number): void {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  const B32 = i * W32;
  const B8 = i * W8;
  const B64 = i * W64;
  const s = st[i];
  if (s === C.SYN_SENT) {
    synSentInput(t, i, buf, dataOff);
    return;
  }
  if (s === C.CLOSED) {
    // A slot held by the application after a reset: for the network it does not exist.
    closedInput(t);
    return;
  }
  const seg = t.seg;
  const f = seg.flags;
  // Anything from the peer proves it alive: keepalive starts counting idle time again.
  if (KEEPALIVE && (v[B32 + FL] & F_KEEPALIVE)) {
    u8[B8 + KEEP_PROBES] = 0;
    arm(t, B64 + T_KEEP, t.now + t.cfg.tcpKeepIdle);
  }

  // TIME-WAIT (§3.10.7.4, seventh): the only thing that can arrive is a retransmission of the
  // peer's FIN. It sits just left of RCV.NXT, so it would fail the window test below; it is
  // acknowledged again and the 2·MSL timer restarts.
  if (s === C.TIME_WAIT && (f & tcpw.FIN) && !(f & (tcpw.RST | tcpw.SYN)) && ((seg.seq + seg.payloadLen + 1) | 0) === v[B32 + RCV_NXT]) {
    arm(t, B64 + T_2, t.now + 2 * t.cfg.msl);
    v[B32 + FL] |= F_ACK_NOW;
    t.why = ev.WHY_TIME_WAIT_ACK;
    output(t, i);
    t.why = 0;
    return;
  }
  // SYN-RECEIVED: the peer repeating its SYN means our SYN-ACK was lost; send it again
  // rather than a bare ACK the peer in SYN-SENT could not use.
  if (s === C.SYN_RECEIVED && (f & tcpw.SYN) && !(f & (tcpw.ACK | tcpw.RST)) && seg.seq === v[B32 + IRS]) {
    v[B32 + SND_NXT] = v[B32 + SND_UNA];
    output(t, i);
    return;
  }

  // Simultaneous open, RFC 9293 Figure 7: the peer's SYN-ACK crosses ours. Its SYN repeats
  // the one we have (seq = IRS, left of the window), but its ACK completes our handshake.
  if (s === C.SYN_RECEIVED && (f & tcpw.SYN) && (f & tcpw.ACK) && !(f & tcpw.RST) && seg.seq === v[B32 + IRS] &&
    seqLt(v[B32 + SND_UNA], seg.ack) && seqLe(seg.ack, v[B32 + SND_MAX])) {
    ackArrived(t, i);
    v[B32 + FL] |= F_ACK_NOW;
    output(t, i);
    return;
  }

  // First: is the sequence number acceptable? (the four cases of §3.10.7.4)
  const slen = segLen(t);
  const wnd = rcvWindow(t, i);
  const nxt = v[B32 + RCV_NXT];
  let ok: boolean;
  if (slen === 0) ok = wnd === 0 ? seg.seq === nxt : seqInWindow(seg.seq, nxt, wnd);
  else ok = wnd > 0 && (seqInWindow(seg.seq, nxt, wnd) || seqInWindow((seg.seq + slen - 1) | 0, nxt, wnd));
  // MUST-66: a RST is processed even when the window is zero.
  if (!ok && (f & tcpw.RST) && wnd === 0 && seg.seq === nxt) ok = true;
  if (!ok) {
    t.drops[stats.DROP_TCP_OUT_OF_WINDOW]++;
    // An unacceptable RST is dropped silently; anything else is answered with an ACK
    // (throttled like challenge ACKs: this is the ACK-storm path, bad input class 12).
    if (!(f & tcpw.RST)) challengeAck(t, i);
    return;
  }

  // Second: RST (RFC 5961 §3). Exactly RCV.NXT resets; anywhere else in the window is a
  // blind-injection suspect and gets a challenge ACK.
  if (f & tcpw.RST) {
    if (seg.seq !== nxt) {
      t.drops[stats.DROP_TCP_RST_CHALLENGED]++;
      challengeAck(t, i);
      return;
    }
    resetArrived(t, i);
    return;
  }

  // Fourth: SYN in a synchronized state (RFC 5961 §4): challenge ACK, drop.
  if (f & tcpw.SYN) {
    t.drops[stats.DROP_TCP_SYN_CHALLENGED]++;
    challengeAck(t, i);
    return;
  }

  // Fifth: no ACK bit, drop.
  if (!(f & tcpw.ACK)) {
    t.drops[stats.DROP_TCP_NO_ACK]++;
    return;
  }
  if (!ackArrived(t, i)) return;
  if (st[i] === C.CLOSED) return; // LAST-ACK finished

  // Seventh: the segment text.
  const cur = st[i];
  let textOk = true;
  if (seg.payloadLen > 0) {
    if (cur === C.ESTABLISHED || cur === C.FIN_WAIT_1 || cur === C.FIN_WAIT_2) textOk = textArrived(t, i, buf, dataOff);
    else t.drops[stats.DROP_TCP_DATA_AFTER_FIN]++; // the peer sent data after its FIN: ignore it (§3.10.7.4, seventh)
  }

  // Eighth: FIN, if it is the next thing in sequence. A FIN takes one sequence number once:
  // another FIN after it (CLOSE-WAIT, CLOSING, LAST-ACK) only gets our ACK again.
  if ((f & tcpw.FIN) && textOk && ((seg.seq + seg.payloadLen) | 0) === v[B32 + RCV_NXT]) {
    if (v[B32 + FL] & F_FIN_RCVD) {
      v[B32 + FL] |= F_ACK_NOW;
      // §3.10.7.4, eighth, TIME-WAIT: "Restart the 2 MSL time-wait timeout."
      if (st[i] === C.TIME_WAIT) arm(t, B64 + T_2, t.now + 2 * t.cfg.msl);
    } else {
      finArrived(t, i);
    }
  }
  output(t, i);
}

/** One TCP segment at buf[off, off+len) from src to dst (the IP layer checked both). */
export function input(t: Tcb, buf: Uint8Array, off: number, len: number, src: number, dst: number, broadcast: boolean, now: number): void {
  t.now = now;
  const seg = t.seg;
  const e = tcpw.parseInto(seg, buf, off, len, src, dst);
  if (e !== err.OK) {
    t.drops[e === err.ERR_CHECKSUM ? stats.DROP_TCP_CHECKSUM : e === err.ERR_OPTION ? stats.DROP_TCP_OPTION
      : e === err.ERR_HEADER_LEN ? stats.DROP_TCP_HEADER_LEN : stats.DROP_TCP_TRUNCATED]++;
    return;
  }
  // RFC 9293 MUST-57: a SYN (or anything) to a broadcast address is silently discarded.
  if (broadcast) {
    t.drops[stats.DROP_TCP_BROADCAST]++;
    return;
  }
  t.src = src;
  const i = find(t, src, seg.srcPort, seg.dstPort);
  if (i >= 0) {
    arrives(t, i, buf, off + seg.headerLen);
  } else {
    const l = findListener(t, seg.dstPort);
    if (l >= 0) listenInput(t, l, buf, off + seg.headerLen);
    else closedInput(t);
  }
  flush(t);
}

/**
 * An ICMP error quoting one of our segments: `buf[off, off+len)` is the quoted IP header and
 * at least 8 octets of TCP header. Returns false if it matches no connection (the caller
 * counts it). RFC 5927 §4.1: the quoted sequence number must lie in [SND.UNA, SND.NXT], or a
 * blind attacker could forge errors. Hard errors (protocol, port unreachable, fragmentation
 * needed: codes 2–4, SHLD-26) end a connection only while it is still in SYN-SENT; in any
 * synchronized state every error is soft (RFC 5927 §4.2, MUST-56): it is only recorded, for
 * tcpError to report (MUST-47).
 */
export function icmpError(t: Tcb, type: number, code: number, buf: Uint8Array, off: number, len: number, now: number): boolean {
  const st = t.st;
  const v = t.v;
  const u8 = t.u8;
  t.now = now;
  const ihl = (buf[off] & 0x0f) * 4;
  if (len < ihl + 8 || buf[off + 9] !== ipv4.PROTO_TCP) return false;
  const dst = ipv4.dstAddr(buf, off);
  const th = off + ihl;
  const lport = (buf[th] << 8) | buf[th + 1];
  const rport = (buf[th + 2] << 8) | buf[th + 3];
  const seq = (buf[th + 4] << 24) | (buf[th + 5] << 16) | (buf[th + 6] << 8) | buf[th + 7];
  const i = find(t, dst, rport, lport);
  if (i < 0 || st[i] === C.CLOSED) return false;
  if (seqLt(seq, v[i * W32 + SND_UNA]) || seqGt(seq, v[i * W32 + SND_MAX])) return false;
  const hard = type === 3 && code >= 2 && code <= 4;
  if (hard && st[i] === C.SYN_SENT) {
    closeSlot(t, i, C.REASON_REFUSED, E.ECONNREFUSED, ev.CAUSE_ICMP);
    flush(t);
    return true;
  }
  if (u8[i * W8 + ERROR] === E.E_OK) u8[i * W8 + ERROR] = type === 11 ? E.ETIMEDOUT : E.EHOSTUNREACH;
  t.cnt[stats.CNT_TCP_SOFT_ERRORS]++;
  return true;
}

/**
 * End of a chunk: send the ACKs that were held back. RFC 9293 §3.10.7.4 (MUST-59): "if the
 * TCP endpoint is processing a series of queued segments, it MUST process them all before
 * sending any ACK segments". A batch spans the frames of one chunk of bytes from the line
 * (net.ts sets t.batching at the chunk's first frame): the segments in it are all processed
 * first, then one ACK per connection reports where they left RCV.NXT (MUST-58: ACKs
 * aggregated).
 */
export function endBatch(t: Tcb): void {
  const st = t.st;
  const v = t.v;
  t.batching = false;
  // No ACK held back (most chunks): no pass over the table.
  if (t.held !== 0) {
    t.held = 0;
    for (let i = 0; i < t.n; i++) {
      if (!(v[i * W32 + FL] & F_ACK_DEFERRED)) continue;
      v[i * W32 + FL] &= ~F_ACK_DEFERRED;
      const s = st[i];
      t.why = t.u8[i * W8 + ACK_WHY];
      t.u8[i * W8 + ACK_WHY] = 0;
      if (s !== C.CLOSED && s !== C.LISTEN && s !== C.SYN_SENT) sendAck(t, i);
      t.why = 0;
    }
  }
  // flush checks this too; here it also saves the call, which an interpreter pays for per chunk.
  if (t.pend !== 0) flush(t);
}
