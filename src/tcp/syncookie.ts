/**
 * SYN cookies (RFC 4987 §3.6): past the listener's backlog or the table's SYN-RECEIVED limit,
 * a SYN is answered statelessly, and a returning ACK that checks out creates the connection
 * directly in ESTABLISHED.
 *
 * Contract: the SYN-ACK's sequence number is the cookie: a 5-bit time slot (64 s each), the
 * peer's MSS class (2 bits: 64/256/536/1460) and 25 bits of a keyed HalfSipHash of the 4-tuple
 * and the peer's ISN. An ACK is accepted in the cookie's slot and the next one. No state is
 * kept before that ACK, so a flood leaves nothing behind. A cookie SYN-ACK offers no SACK: the
 * cookie has no room to remember the peer's offer.
 */
import * as C from './constants.js';
import * as tcpw from '../wire/tcp.js';
import * as stats from '../stats.js';
import * as ev from '../trace/events.js';
import { ringFree } from '../storage/ring.js';
import { hashWords } from './hash.js';
import {
  W32, FL, ISS, SND_UNA, SND_NXT, SND_MAX, SND_WND, SND_WL1, SND_WL2, MAX_SND_WND, SND_MSS, IRS, RCV_NXT, RCV_ADV,
  RCV_ACKED, CWND, LISTENER, LS_BACKLOG, LS_PENDING, LS_WORDS, F_PASSIVE, F_SYN_ACKED, effectiveMss, initialWindow,
} from './tcb.js';
import type { Tcb } from './tcb.js';
import { transition, allocSlot, openSlot } from './slots.js';
import { established } from './events.js';
import { emit } from './output.js';

/** SYN cookie MSS classes (RFC 4987 §3.6: the cookie keeps a few bits of the peer's MSS). */
const COOKIE_MSS = [64, 256, 536, 1460];
/** A cookie's time slot is 64 s; a cookie is good in its slot and the next one. */
const COOKIE_SLOT_MS = 64000;

/** The cookie for the current segment's 4-tuple and ISN, in time slot `slot`, with MSS class `m`. */
export function cookie(t: Tcb, slot: number, m: number, peerIsn: number): number {
  const seg = t.seg;
  // A different word layout (and a tag) from the ISN's, so the two never coincide.
  const h = hashWords(t.hk, t.src, (seg.srcPort << 16) | seg.dstPort, peerIsn, 0x636f6f6b ^ slot, 16);
  return ((slot & 31) << 27) | ((m & 3) << 25) | (h & 0x1ffffff);
}

/** Answer a SYN with a SYN-ACK whose ISS is a cookie; no state is kept. */
export function sendCookie(t: Tcb): void {
  const seg = t.seg;
  let m = 0;
  const peerMss = seg.mss > 0 ? seg.mss : 536;
  for (let k = 0; k < COOKIE_MSS.length; k++) if (COOKIE_MSS[k] <= peerMss) m = k;
  const slot = Math.floor(t.now / COOKIE_SLOT_MS) & 31;
  const iss = cookie(t, slot, m, seg.seq);
  t.cnt[stats.CNT_SYN_COOKIES_SENT]++;
  t.why = ev.WHY_COOKIE;
  emit(t, t.src, seg.dstPort, seg.srcPort, iss, (seg.seq + 1) | 0, tcpw.SYN | tcpw.ACK,
    t.cfg.tcpRcvBuf > 65535 ? 65535 : t.cfg.tcpRcvBuf, t.cfg.mtu - 40, null, 0, 0, -1);
  t.why = 0;
}

/** An ACK in LISTEN: if it returns a valid cookie, create the connection ESTABLISHED. */
export function cookieAccept(t: Tcb, l: number): boolean {
  const v = t.v;
  const ls = t.ls;
  const seg = t.seg;
  const iss = (seg.ack - 1) | 0;
  const peerIsn = (seg.seq - 1) | 0;
  const slot = (iss >>> 27) & 31;
  const cur = Math.floor(t.now / COOKIE_SLOT_MS) & 31;
  if (slot !== cur && slot !== ((cur - 1) & 31)) return false;
  const m = (iss >>> 25) & 3;
  if (cookie(t, slot, m, peerIsn) !== iss) return false;
  if (ls[l * LS_WORDS + LS_PENDING] >= ls[l * LS_WORDS + LS_BACKLOG]) {
    t.drops[stats.DROP_TCP_BACKLOG]++;
    return true;
  }
  const i = allocSlot(t);
  if (i < 0) {
    t.drops[stats.DROP_TCP_TABLE_FULL]++;
    return true;
  }
  openSlot(t, i, t.src, seg.dstPort, seg.srcPort);
  v[i * W32 + FL] = F_PASSIVE | F_SYN_ACKED;
  v[i * W32 + LISTENER] = l;
  v[i * W32 + ISS] = iss;
  v[i * W32 + SND_UNA] = seg.ack;
  v[i * W32 + SND_NXT] = seg.ack;
  v[i * W32 + SND_MAX] = seg.ack;
  v[i * W32 + IRS] = peerIsn;
  v[i * W32 + RCV_NXT] = seg.seq;
  v[i * W32 + RCV_ACKED] = seg.seq;
  v[i * W32 + RCV_ADV] = (seg.seq + ringFree(t.rcv[i])) | 0;
  v[i * W32 + SND_MSS] = effectiveMss(t, COOKIE_MSS[m]);
  v[i * W32 + CWND] = initialWindow(v[i * W32 + SND_MSS]);
  v[i * W32 + SND_WND] = seg.window;
  v[i * W32 + MAX_SND_WND] = seg.window;
  v[i * W32 + SND_WL1] = seg.seq;
  v[i * W32 + SND_WL2] = seg.ack;
  t.cnt[stats.CNT_SYN_COOKIES_OK]++;
  transition(t, i, C.LISTEN, C.ESTABLISHED, ev.CAUSE_COOKIE);
  established(t, i);
  return true;
}
