/**
 * TCP (RFC 9293): the connection table, the state machine, the user calls and the timers.
 *
 * Contract:
 * - Every connection lives in one slot of a fixed table kept as struct-of-arrays: one typed
 *   array per field (sequence numbers in Int32Array, state in Uint8Array, timers in
 *   Float64Array), plus a send ring and a receive ring per slot. Handles are slot indices.
 *   Listeners live in a separate, smaller listen table.
 * - `input` handles one segment the way RFC 9293 §3.10.7 "SEGMENT ARRIVES" reads, step by
 *   step, with the RFC 5961 defences (§3.10.7.4 folds them in). Every segment that is not
 *   used is counted by reason. Nothing allocates and nothing throws on bad input.
 * - The user calls (listen, connect, write, read, shutdown, close, abort) follow §3.10.1–6.
 *   Misuse throws a TcpError that says what was wrong.
 * - `poll(now)` runs the retransmission, delayed-ACK, TIME-WAIT and FIN-WAIT-2 timers and
 *   returns the next deadline.
 * - Events for the application are gathered as bits per slot while a segment or a timer is
 *   processed, and delivered once processing is over (`flush`), so a handler that calls back
 *   into the stack never finds it half-way through a segment.
 *
 * Simplifications this version makes (each documented in the README): retransmission goes
 * back to SND.UNA and resends everything after it (go-back-N); out-of-order segments are
 * dropped (and answered with a duplicate ACK); no window scaling, SACK or timestamps.
 */
import * as tcpw from '../wire/tcp.js';
import * as ipv4 from '../wire/ipv4.js';
import * as err from '../wire/err.js';
import { seqLt, seqLe, seqGt, seqInWindow } from '../wire/seq.js';
import { Ring } from '../storage/ring.js';
import { TraceRing } from '../trace/events.js';
import * as ev from '../trace/events.js';
import * as stats from '../stats.js';
import * as C from './constants.js';
import { HalfSipHash } from './hash.js';
import type { Config } from '../config.js';

/** What TCP needs from the layer below: our address, the transmit buffer, a way to send, counters. */
export interface IpLayer {
  addr: number;
  tx: Uint8Array;
  sendIp(protocol: number, dst: number, len: number): void;
  drops: Uint32Array;
  counters: Uint32Array;
}

/** The application's event handler: (connection or listener handle, EV_*, detail). */
export type TcpHandler = (conn: number, event: number, detail: number) => void;

/** Offset of the TCP header in the transmit buffer (after a 20-octet IPv4 header). */
const L4 = 20;
/** "No timer": deadlines are absolute ms, 0 means off. */
const OFF = 0;

// Per-slot flag bits.
/** Opened by a passive OPEN (a listener): RFC 9293 MUST-11 remembers it for SYN-RECEIVED + RST. */
const F_PASSIVE = 0x1;
/** The application holds this handle (it connected, or accepted it). */
const F_APP = 0x2;
/** Established, waiting in its listener's accept queue. */
const F_ACCEPT_Q = 0x4;
/** The application called close: it will not read or write again. */
const F_APP_CLOSED = 0x8;
/** No more data will be queued: a FIN follows the data (shutdown or close). */
const F_SHUT_WR = 0x10;
/** Our FIN has been sent (its sequence number is in sndFin). */
const F_FIN_SENT = 0x20;
/** The peer's FIN has been received (read returns EOF once the ring is drained). */
const F_FIN_RCVD = 0x40;
/** Send an ACK at the next output, whatever else happens. */
const F_ACK_NOW = 0x80;
/** Nagle off (RFC 9293 MUST-17). */
const F_NODELAY = 0x100;
/** Our SYN has been acknowledged. */
const F_SYN_ACKED = 0x200;
/** The SYN (or SYN-ACK) was retransmitted: RFC 6298 §5.7 starts the data RTO at 3 s. */
const F_SYN_RETRANSMITTED = 0x400;

// Pending-event bits per slot, delivered by flush().
const P_CONNECTED = 1 << C.EV_CONNECTED;
const P_READABLE = 1 << C.EV_READABLE;
const P_WRITABLE = 1 << C.EV_WRITABLE;
const P_CLOSED = 1 << C.EV_CLOSED;

/** SYN cookie MSS classes (RFC 4987 §3.6: the cookie keeps a few bits of the peer's MSS). */
const COOKIE_MSS = [64, 256, 536, 1460];
/** A cookie's time slot is 64 s; a cookie is good in its slot and the next one. */
const COOKIE_SLOT_MS = 64000;

function noHandler(_c: number, _e: number, _d: number): void {}

export class Tcp {
  private ip: IpLayer;
  private cfg: Config;
  /** The HAL's clock: user calls read it, since they happen between polls. */
  private clock: () => number;
  private handler: TcpHandler;
  private hash: HalfSipHash;
  /** The transition trace (read by tools). */
  trace: TraceRing;
  /** The segment being processed (receive side). */
  private seg: tcpw.TcpRepr;
  /** The segment being built (send side). */
  private out: tcpw.TcpRepr;
  private segSrc: number;
  private now: number;
  private ephemeral: number;
  private acceptOrder: number;
  private flushing: boolean;

  // ---- the connection table, struct-of-arrays ----
  /** RFC 9293 state of each slot. */
  state: Uint8Array;
  private fl: Uint16Array;
  private pending: Uint8Array;
  private reason: Uint8Array;
  private error: Uint8Array;
  private listener: Int8Array;
  private lport: Uint16Array;
  private rport: Uint16Array;
  private raddr: Int32Array;
  // Send sequence space (RFC 9293 §3.3.1).
  private iss: Int32Array;
  private sndUna: Int32Array;
  private sndNxt: Int32Array;
  /** Highest sequence number sent (SND.NXT before a go-back retransmission). */
  private sndMax: Int32Array;
  private sndWnd: Int32Array;
  private sndWl1: Int32Array;
  private sndWl2: Int32Array;
  private maxSndWnd: Int32Array;
  private sndFin: Int32Array;
  private sndMss: Uint16Array;
  // Receive sequence space.
  private irs: Int32Array;
  private rcvNxt: Int32Array;
  /** Right edge of the window we last advertised (RCV.NXT + RCV.WND at that time). */
  private rcvAdv: Int32Array;
  /** RCV.NXT we last acknowledged (for "ACK every second full segment"). */
  private rcvAcked: Int32Array;
  // RFC 6298 retransmission state, in ms.
  private srtt: Float64Array;
  private rttvar: Float64Array;
  private rto: Float64Array;
  private rttSeq: Int32Array;
  private rttTime: Float64Array;
  private rtxCount: Uint8Array;
  private rtxStart: Float64Array;
  // Timers (absolute ms, 0 = off).
  private tRtx: Float64Array;
  private tAck: Float64Array;
  /** TIME-WAIT (2·MSL) or FIN-WAIT-2 timeout. */
  private t2: Float64Array;
  // RFC 5961 §7 challenge-ACK throttle, per connection.
  private chCount: Uint8Array;
  private chStart: Float64Array;
  /** Accept-queue order. */
  private order: Int32Array;
  private snd: Ring[];
  private rcv: Ring[];

  // ---- the listen table ----
  private lsPort: Uint16Array;
  private lsBacklog: Uint16Array;
  private lsPending: Uint8Array;

  private bytes: number;

  constructor(cfg: Config, ip: IpLayer, k0: number, k1: number, clock: () => number) {
    this.cfg = cfg;
    this.clock = clock;
    const now = clock();
    this.ip = ip;
    this.handler = noHandler;
    this.hash = new HalfSipHash(k0, k1);
    this.trace = new TraceRing(cfg.traceEvents);
    this.seg = new tcpw.TcpRepr();
    this.out = new tcpw.TcpRepr();
    this.segSrc = 0;
    this.now = now;
    this.ephemeral = 49152 + ((k0 >>> 0) % 16384);
    this.acceptOrder = 0;
    this.flushing = false;
    const n = cfg.tcpConns;
    this.bytes = 0;
    this.state = this.u8(n);
    this.fl = this.u16(n);
    this.pending = this.u8(n);
    this.reason = this.u8(n);
    this.error = this.u8(n);
    this.listener = new Int8Array(n);
    this.bytes += n;
    this.lport = this.u16(n);
    this.rport = this.u16(n);
    this.raddr = this.i32(n);
    this.iss = this.i32(n);
    this.sndUna = this.i32(n);
    this.sndNxt = this.i32(n);
    this.sndMax = this.i32(n);
    this.sndWnd = this.i32(n);
    this.sndWl1 = this.i32(n);
    this.sndWl2 = this.i32(n);
    this.maxSndWnd = this.i32(n);
    this.sndFin = this.i32(n);
    this.sndMss = this.u16(n);
    this.irs = this.i32(n);
    this.rcvNxt = this.i32(n);
    this.rcvAdv = this.i32(n);
    this.rcvAcked = this.i32(n);
    this.srtt = this.f64(n);
    this.rttvar = this.f64(n);
    this.rto = this.f64(n);
    this.rttSeq = this.i32(n);
    this.rttTime = this.f64(n);
    this.rtxCount = this.u8(n);
    this.rtxStart = this.f64(n);
    this.tRtx = this.f64(n);
    this.tAck = this.f64(n);
    this.t2 = this.f64(n);
    this.chCount = this.u8(n);
    this.chStart = this.f64(n);
    this.order = this.i32(n);
    // One buffer for all rings: the RAM cost is exactly n·(sndBuf + rcvBuf).
    const ringBuf = new Uint8Array(n * (cfg.tcpSndBuf + cfg.tcpRcvBuf));
    this.bytes += ringBuf.byteLength;
    this.snd = [];
    this.rcv = [];
    for (let i = 0; i < n; i++) {
      const base = i * (cfg.tcpSndBuf + cfg.tcpRcvBuf);
      this.snd.push(new Ring(ringBuf.subarray(base, base + cfg.tcpSndBuf)));
      this.rcv.push(new Ring(ringBuf.subarray(base + cfg.tcpSndBuf, base + cfg.tcpSndBuf + cfg.tcpRcvBuf)));
      this.listener[i] = -1;
    }
    const m = cfg.tcpListeners;
    this.lsPort = this.u16(m);
    this.lsBacklog = this.u16(m);
    this.lsPending = this.u8(m);
    this.bytes += this.trace.bytes();
  }

  private u8(n: number): Uint8Array { this.bytes += n; return new Uint8Array(n); }
  private u16(n: number): Uint16Array { this.bytes += 2 * n; return new Uint16Array(n); }
  private i32(n: number): Int32Array { this.bytes += 4 * n; return new Int32Array(n); }
  private f64(n: number): Float64Array { this.bytes += 8 * n; return new Float64Array(n); }

  /** Exact bytes of every typed array TCP allocated, the hash's 16-octet state included. */
  ramBytes(): number {
    return this.bytes + this.hash.v.byteLength;
  }

  /** Register the one event handler (start-up). */
  onEvent(h: TcpHandler): void {
    this.handler = h;
  }

  // =====================================================================================
  // Segment arrival (RFC 9293 §3.10.7)
  // =====================================================================================

  /** One TCP segment at buf[off, off+len) from src to dst (the IP layer checked both). */
  input(buf: Uint8Array, off: number, len: number, src: number, dst: number, broadcast: boolean, now: number): void {
    this.now = now;
    const seg = this.seg;
    const e = tcpw.parseInto(seg, buf, off, len, src, dst);
    if (e !== err.OK) {
      this.drop(e === err.ERR_CHECKSUM ? stats.DROP_TCP_CHECKSUM : e === err.ERR_OPTION ? stats.DROP_TCP_OPTION
        : e === err.ERR_HEADER_LEN ? stats.DROP_TCP_HEADER_LEN : stats.DROP_TCP_TRUNCATED);
      return;
    }
    // RFC 9293 MUST-57: a SYN (or anything) to a broadcast address is silently discarded.
    if (broadcast) {
      this.drop(stats.DROP_TCP_BROADCAST);
      return;
    }
    this.segSrc = src;
    const i = this.find(src, seg.srcPort, seg.dstPort);
    if (i >= 0) {
      this.arrives(i, buf, off + seg.headerLen);
    } else {
      const l = this.findListener(seg.dstPort);
      if (l >= 0) this.listenInput(l);
      else this.closedInput();
    }
    this.flush();
  }

  /** §3.10.7.1: no connection. Answer anything but a RST with a RST, so the peer gives up at once. */
  private closedInput(): void {
    const seg = this.seg;
    this.drop(stats.DROP_TCP_NO_SOCKET);
    if (seg.flags & tcpw.RST) return;
    if (seg.flags & tcpw.ACK) this.sendRst(this.segSrc, seg.dstPort, seg.srcPort, seg.ack, 0, tcpw.RST);
    else this.sendRst(this.segSrc, seg.dstPort, seg.srcPort, 0, (seg.seq + this.segLen()) | 0, tcpw.RST | tcpw.ACK);
  }

  /** SEG.LEN: octets of data plus one for SYN and one for FIN. */
  private segLen(): number {
    const seg = this.seg;
    return seg.payloadLen + (seg.flags & tcpw.SYN ? 1 : 0) + (seg.flags & tcpw.FIN ? 1 : 0);
  }

  /** §3.10.7.2: a segment for a listening port. */
  private listenInput(l: number): void {
    const seg = this.seg;
    const f = seg.flags;
    if (f & tcpw.RST) {
      this.drop(stats.DROP_TCP_LISTEN);
      return;
    }
    if (f & tcpw.ACK) {
      // RFC 4987 §3.6: an ACK for a SYN cookie we sent creates the connection here.
      if (!(f & tcpw.SYN) && this.cfg.tcpSynCookies && this.cookieAccept(l)) return;
      this.drop(stats.DROP_TCP_LISTEN);
      this.sendRst(this.segSrc, seg.dstPort, seg.srcPort, seg.ack, 0, tcpw.RST);
      return;
    }
    if (!(f & tcpw.SYN)) {
      this.drop(stats.DROP_TCP_LISTEN);
      return;
    }
    // A SYN. Bounded embryonic state (RFC 4987): past the listener's backlog or the table's
    // SYN-RECEIVED limit, answer statelessly with a SYN cookie instead of taking a slot.
    let i = -1;
    if (this.lsPending[l] < this.lsBacklog[l] && this.countSynRcvd() < this.cfg.tcpMaxSynRcvd) i = this.allocSlot();
    if (i < 0) {
      if (this.cfg.tcpSynCookies) this.sendCookie();
      else this.drop(stats.DROP_TCP_BACKLOG);
      return;
    }
    this.openSlot(i, this.segSrc, seg.dstPort, seg.srcPort);
    this.fl[i] = F_PASSIVE;
    this.listener[i] = l;
    this.lsPending[l]++;
    this.synReceived(i);
    this.transition(i, C.LISTEN, C.SYN_RECEIVED, ev.CAUSE_RCV_SYN);
    this.output(i);
  }

  /** Take the peer's SYN: its ISN, MSS and window (shared by LISTEN and SYN-SENT). */
  private synReceived(i: number): void {
    const seg = this.seg;
    this.irs[i] = seg.seq;
    this.rcvNxt[i] = (seg.seq + 1) | 0;
    this.rcvAcked[i] = this.rcvNxt[i];
    this.sndMss[i] = this.effectiveMss(seg.mss);
    this.sndWnd[i] = seg.window;
    this.maxSndWnd[i] = seg.window;
    this.sndWl1[i] = seg.seq;
    this.sndWl2[i] = seg.ack;
    this.rcvAdv[i] = (this.rcvNxt[i] + this.rcv[i].free()) | 0;
  }

  /**
   * RFC 9293 §3.7.1 and MUST-16: the send MSS is the peer's option (536 if absent, and 0
   * counts as absent), capped by what our MTU carries, and never below a floor: a peer's tiny
   * MSS would otherwise make us send floods of tiny segments (CVE-2019-11479).
   */
  private effectiveMss(peer: number): number {
    let mss = peer > 0 ? peer : 536;
    if (mss < this.cfg.tcpMinMss) mss = this.cfg.tcpMinMss;
    const own = this.cfg.mtu - 40;
    if (mss > own) mss = own;
    return mss > 1 ? mss : 1;
  }

  /** Everything after LISTEN: §3.10.7.3 (SYN-SENT) and §3.10.7.4 (the rest). */
  private arrives(i: number, buf: Uint8Array, dataOff: number): void {
    const s = this.state[i];
    if (s === C.SYN_SENT) {
      this.synSentInput(i, buf, dataOff);
      return;
    }
    if (s === C.CLOSED) {
      // A slot held by the application after a reset: for the network it does not exist.
      this.closedInput();
      return;
    }
    const seg = this.seg;
    const f = seg.flags;

    // TIME-WAIT (§3.10.7.4, seventh): the only thing that can arrive is a retransmission of the
    // peer's FIN. It sits just left of RCV.NXT, so it would fail the window test below; it is
    // acknowledged again and the 2·MSL timer restarts.
    if (s === C.TIME_WAIT && (f & tcpw.FIN) && !(f & (tcpw.RST | tcpw.SYN)) && ((seg.seq + seg.payloadLen + 1) | 0) === this.rcvNxt[i]) {
      this.t2[i] = this.now + 2 * this.cfg.msl;
      this.fl[i] |= F_ACK_NOW;
      this.output(i);
      return;
    }
    // SYN-RECEIVED: the peer repeating its SYN means our SYN-ACK was lost; send it again
    // rather than a bare ACK the peer in SYN-SENT could not use.
    if (s === C.SYN_RECEIVED && (f & tcpw.SYN) && !(f & (tcpw.ACK | tcpw.RST)) && seg.seq === this.irs[i]) {
      this.sndNxt[i] = this.sndUna[i];
      this.output(i);
      return;
    }

    // Simultaneous open, RFC 9293 Figure 7: the peer's SYN-ACK crosses ours. Its SYN repeats
    // the one we have (seq = IRS, left of the window), but its ACK completes our handshake.
    if (s === C.SYN_RECEIVED && (f & tcpw.SYN) && (f & tcpw.ACK) && !(f & tcpw.RST) && seg.seq === this.irs[i] &&
      seqLt(this.sndUna[i], seg.ack) && seqLe(seg.ack, this.sndMax[i])) {
      this.ackArrived(i);
      this.fl[i] |= F_ACK_NOW;
      this.output(i);
      return;
    }

    // First: is the sequence number acceptable? (the four cases of §3.10.7.4)
    const slen = this.segLen();
    const wnd = this.rcvWindow(i);
    const nxt = this.rcvNxt[i];
    let ok: boolean;
    if (slen === 0) ok = wnd === 0 ? seg.seq === nxt : seqInWindow(seg.seq, nxt, wnd);
    else ok = wnd > 0 && (seqInWindow(seg.seq, nxt, wnd) || seqInWindow((seg.seq + slen - 1) | 0, nxt, wnd));
    // MUST-66: a RST is processed even when the window is zero.
    if (!ok && (f & tcpw.RST) && wnd === 0 && seg.seq === nxt) ok = true;
    if (!ok) {
      this.drop(stats.DROP_TCP_OUT_OF_WINDOW);
      // An unacceptable RST is dropped silently; anything else is answered with an ACK
      // (throttled like challenge ACKs: this is the ACK-storm path, bad input class 12).
      if (!(f & tcpw.RST)) this.challengeAck(i);
      return;
    }

    // Second: RST (RFC 5961 §3). Exactly RCV.NXT resets; anywhere else in the window is a
    // blind-injection suspect and gets a challenge ACK.
    if (f & tcpw.RST) {
      if (seg.seq !== nxt) {
        this.drop(stats.DROP_TCP_RST_CHALLENGED);
        this.challengeAck(i);
        return;
      }
      this.resetArrived(i);
      return;
    }

    // Fourth: SYN in a synchronized state (RFC 5961 §4): challenge ACK, drop.
    if (f & tcpw.SYN) {
      this.drop(stats.DROP_TCP_SYN_CHALLENGED);
      this.challengeAck(i);
      return;
    }

    // Fifth: no ACK bit, drop.
    if (!(f & tcpw.ACK)) {
      this.drop(stats.DROP_TCP_NO_ACK);
      return;
    }
    if (!this.ackArrived(i)) return;
    if (this.state[i] === C.CLOSED) return; // LAST-ACK finished

    // Seventh: the segment text.
    const st = this.state[i];
    let textOk = true;
    if (seg.payloadLen > 0) {
      if (st === C.ESTABLISHED || st === C.FIN_WAIT_1 || st === C.FIN_WAIT_2) textOk = this.textArrived(i, buf, dataOff);
      else this.drop(stats.DROP_TCP_DATA_AFTER_FIN); // the peer sent data after its FIN: ignore it (§3.10.7.4, seventh)
    }

    // Eighth: FIN, if it is the next thing in sequence. A FIN takes one sequence number once:
    // another FIN after it (CLOSE-WAIT, CLOSING, LAST-ACK) only gets our ACK again.
    if ((f & tcpw.FIN) && textOk && ((seg.seq + seg.payloadLen) | 0) === this.rcvNxt[i]) {
      if (this.fl[i] & F_FIN_RCVD) {
        this.fl[i] |= F_ACK_NOW;
        // §3.10.7.4, eighth, TIME-WAIT: "Restart the 2 MSL time-wait timeout."
        if (this.state[i] === C.TIME_WAIT) this.t2[i] = this.now + 2 * this.cfg.msl;
      } else {
        this.finArrived(i);
      }
    }
    this.output(i);
  }

  /** §3.10.7.3: SYN-SENT. */
  private synSentInput(i: number, _buf: Uint8Array, _dataOff: number): void {
    const seg = this.seg;
    const f = seg.flags;
    let ackOk = false;
    if (f & tcpw.ACK) {
      // First: an ACK that does not acknowledge our SYN is a leftover of an old connection.
      if (seqLe(seg.ack, this.iss[i]) || seqGt(seg.ack, this.sndMax[i])) {
        this.drop(stats.DROP_TCP_BAD_ACK);
        if (!(f & tcpw.RST)) this.sendRst(this.segSrc, seg.dstPort, seg.srcPort, seg.ack, 0, tcpw.RST);
        return;
      }
      ackOk = seqLt(this.sndUna[i], seg.ack) && seqLe(seg.ack, this.sndMax[i]);
    }
    // Second: RST. Only with an acceptable ACK does it refuse the connection (RFC 5961 §3 also
    // leaves SYN-SENT to this rule).
    if (f & tcpw.RST) {
      if (!ackOk) {
        this.drop(stats.DROP_TCP_RST_IGNORED);
        return;
      }
      this.closeSlot(i, C.REASON_REFUSED, C.ECONNREFUSED, ev.CAUSE_RCV_RST);
      return;
    }
    // Fourth: SYN.
    if (!(f & tcpw.SYN)) {
      this.drop(stats.DROP_TCP_NO_ACK);
      return;
    }
    this.synReceived(i);
    if (ackOk) {
      this.ackOurSyn(i, seg.ack);
      this.sndWl2[i] = seg.ack;
      this.transition(i, C.SYN_SENT, C.ESTABLISHED, ev.CAUSE_RCV_SYN_ACK);
      this.established(i);
      this.fl[i] |= F_ACK_NOW;
      if (seg.payloadLen > 0) this.textArrived(i, _buf, _dataOff);
      if ((f & tcpw.FIN) && ((seg.seq + 1 + seg.payloadLen) | 0) === this.rcvNxt[i]) this.finArrived(i);
    } else {
      // Simultaneous open (MUST-10): both SYNs crossed. SYN-ACK with our original ISS.
      this.transition(i, C.SYN_SENT, C.SYN_RECEIVED, ev.CAUSE_RCV_SYN);
      this.sndNxt[i] = this.sndUna[i];
    }
    this.output(i);
  }

  /** Our SYN was acknowledged by `ack`: advance SND.UNA past it and take an RTT sample. */
  private ackOurSyn(i: number, ack: number): void {
    this.fl[i] |= F_SYN_ACKED;
    this.rttSample(i, ack);
    this.sndUna[i] = ack;
    if (this.sndUna[i] === this.sndMax[i]) {
      this.tRtx[i] = OFF;
      this.rtxCount[i] = 0;
    }
  }

  /** The connection has just become ESTABLISHED: RFC 6298 §5.7 and the application's event. */
  private established(i: number): void {
    if ((this.fl[i] & F_SYN_RETRANSMITTED) && this.srtt[i] === 0) this.rto[i] = 3000;
    if (this.fl[i] & F_PASSIVE) {
      this.fl[i] |= F_ACCEPT_Q;
      this.order[i] = this.acceptOrder++;
    } else {
      this.pending[i] |= P_CONNECTED;
    }
  }

  /** A RST at exactly RCV.NXT, in a synchronized state (§3.10.7.4, second). */
  private resetArrived(i: number): void {
    const s = this.state[i];
    if (s === C.SYN_RECEIVED && (this.fl[i] & F_PASSIVE)) {
      // MUST-11: a passive open goes back to LISTEN. The listener never stopped listening;
      // the embryonic connection is simply forgotten.
      this.transition(i, C.SYN_RECEIVED, C.LISTEN, ev.CAUSE_RCV_RST);
      this.freeSlot(i);
      return;
    }
    if (s === C.SYN_RECEIVED) {
      this.closeSlot(i, C.REASON_REFUSED, C.ECONNREFUSED, ev.CAUSE_RCV_RST);
      return;
    }
    const readable = s === C.ESTABLISHED || s === C.FIN_WAIT_1 || s === C.FIN_WAIT_2 || s === C.CLOSE_WAIT;
    this.closeSlot(i, C.REASON_RESET, readable ? C.ECONNRESET : C.E_OK, ev.CAUSE_RCV_RST);
  }

  /** §3.10.7.4, fifth: the ACK field. Returns false when the segment must be dropped. */
  private ackArrived(i: number): boolean {
    const seg = this.seg;
    const ack = seg.ack;
    const s = this.state[i];
    if (s === C.SYN_RECEIVED) {
      if (!(seqLt(this.sndUna[i], ack) && seqLe(ack, this.sndMax[i]))) {
        this.drop(stats.DROP_TCP_BAD_ACK);
        this.sendRst(this.segSrc, seg.dstPort, seg.srcPort, ack, 0, tcpw.RST);
        return false;
      }
      this.ackOurSyn(i, ack);
      this.sndWnd[i] = seg.window;
      this.sndWl1[i] = seg.seq;
      this.sndWl2[i] = ack;
      if (seg.window > this.maxSndWnd[i]) this.maxSndWnd[i] = seg.window;
      this.transition(i, C.SYN_RECEIVED, C.ESTABLISHED, ev.CAUSE_RCV_ACK);
      this.established(i);
      return true;
    }
    // RFC 5961 §5: acceptable only if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT.
    if (seqGt(ack, this.sndMax[i])) {
      this.drop(stats.DROP_TCP_BAD_ACK);
      this.challengeAck(i);
      return false;
    }
    if (seqLt(ack, (this.sndUna[i] - this.maxSndWnd[i]) | 0)) {
      this.drop(stats.DROP_TCP_BAD_ACK);
      this.challengeAck(i);
      return false;
    }
    if (seqGt(ack, this.sndUna[i])) this.newAck(i, ack);
    // Window update (§3.10.7.4): only from a segment newer than the last one that set it.
    if (seqLt(this.sndWl1[i], seg.seq) || (this.sndWl1[i] === seg.seq && seqLe(this.sndWl2[i], ack))) {
      this.sndWnd[i] = seg.window;
      this.sndWl1[i] = seg.seq;
      this.sndWl2[i] = ack;
      if (seg.window > this.maxSndWnd[i]) this.maxSndWnd[i] = seg.window;
    }
    const finAcked = (this.fl[i] & F_FIN_SENT) !== 0 && seqGt(this.sndUna[i], this.sndFin[i]);
    if (s === C.FIN_WAIT_1 && finAcked) {
      const finNow = (seg.flags & tcpw.FIN) !== 0 && ((seg.seq + seg.payloadLen) | 0) === this.rcvNxt[i];
      if (!finNow) {
        this.transition(i, C.FIN_WAIT_1, C.FIN_WAIT_2, ev.CAUSE_RCV_ACK);
        // A connection the application closed cannot wait forever for the peer's FIN.
        if (this.fl[i] & F_APP_CLOSED) this.t2[i] = this.now + this.cfg.tcpFinWait2Timeout;
      }
      // else: the FIN in this same segment takes FIN-WAIT-1 straight to TIME-WAIT (eighth step).
    } else if (s === C.CLOSING && finAcked) {
      this.enterTimeWait(i, C.CLOSING, ev.CAUSE_RCV_ACK);
    } else if (s === C.LAST_ACK && finAcked) {
      this.closeSlot(i, C.REASON_FIN, C.E_OK, ev.CAUSE_RCV_ACK);
      return true;
    }
    return true;
  }

  /** SND.UNA < ack <= SND.NXT: free acknowledged data, sample the RTT, manage the timer. */
  private newAck(i: number, ack: number): void {
    let acked = (ack - this.sndUna[i]) | 0;
    if (!(this.fl[i] & F_SYN_ACKED)) {
      // CLOSE in SYN-RECEIVED sent a FIN before the handshake finished: this ACK covers the SYN too.
      this.fl[i] |= F_SYN_ACKED;
      acked--;
    }
    if ((this.fl[i] & F_FIN_SENT) && seqGt(ack, this.sndFin[i])) acked--; // the FIN's sequence number
    if (acked > 0) {
      this.snd[i].discard(acked);
      this.pending[i] |= P_WRITABLE;
    }
    this.rttSample(i, ack);
    this.sndUna[i] = ack;
    if (seqLt(this.sndNxt[i], ack)) this.sndNxt[i] = ack;
    this.rtxCount[i] = 0;
    // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
    if (this.sndUna[i] === this.sndMax[i]) this.tRtx[i] = OFF;
    else {
      this.tRtx[i] = this.now + this.rto[i];
      this.rtxStart[i] = this.now;
    }
  }

  /** RFC 6298 §2 and Karn's rule (MUST-18): time one segment at a time, never a retransmitted one. */
  private rttSample(i: number, ack: number): void {
    if (this.rttTime[i] === 0 || !seqGt(ack, this.rttSeq[i])) return;
    const r = this.now - this.rttTime[i];
    this.rttTime[i] = 0;
    if (this.srtt[i] === 0) {
      this.srtt[i] = r > 0 ? r : 0.001;
      this.rttvar[i] = r / 2;
    } else {
      const d = this.srtt[i] - r;
      this.rttvar[i] = 0.75 * this.rttvar[i] + 0.25 * (d < 0 ? -d : d);
      this.srtt[i] = 0.875 * this.srtt[i] + 0.125 * r;
    }
    // RTO = SRTT + max(G, 4·RTTVAR), G = 1 ms clock granularity, then the configured bounds.
    const k = 4 * this.rttvar[i];
    let rto = this.srtt[i] + (k > 1 ? k : 1);
    if (rto < this.cfg.tcpRtoMin) rto = this.cfg.tcpRtoMin;
    if (rto > this.cfg.tcpRtoMax) rto = this.cfg.tcpRtoMax;
    this.rto[i] = rto;
  }

  /** §3.10.7.4, seventh: in-order data goes into the receive ring. Returns false if it was out of order. */
  private textArrived(i: number, buf: Uint8Array, dataOff: number): boolean {
    const seg = this.seg;
    let seq = seg.seq;
    let off = dataOff;
    let n = seg.payloadLen;
    if (seg.flags & tcpw.SYN) seq = (seq + 1) | 0;
    // Trim what we already have (a retransmission overlapping RCV.NXT).
    const old = (this.rcvNxt[i] - seq) | 0;
    if (old > 0) {
      if (old >= n) {
        this.fl[i] |= F_ACK_NOW;
        return true;
      }
      off += old;
      n -= old;
      seq = this.rcvNxt[i];
    }
    if (seq !== this.rcvNxt[i]) {
      // Out of order: dropped until the reassembler exists; a duplicate ACK tells the peer.
      this.drop(stats.DROP_TCP_OUT_OF_ORDER);
      this.fl[i] |= F_ACK_NOW;
      return false;
    }
    // Trim to the window we offered (anything beyond its right edge was never invited).
    const room = this.rcvWindow(i);
    if (n > room) n = room;
    const got = this.rcv[i].write(buf, off, n);
    this.rcvNxt[i] = (this.rcvNxt[i] + got) | 0;
    if (got > 0) this.pending[i] |= P_READABLE;
    this.scheduleAck(i);
    return got === seg.payloadLen - (old > 0 ? old : 0);
  }

  /** Delayed ACK (RFC 9293 §3.8.6.3, MUST-40 < 0.5 s; SHLD-19: at least every second full segment). */
  private scheduleAck(i: number): void {
    const delay = this.cfg.tcpAckDelay;
    if (delay <= 0 || ((this.rcvNxt[i] - this.rcvAcked[i]) | 0) >= 2 * this.sndMss[i]) {
      this.fl[i] |= F_ACK_NOW;
    } else if (this.tAck[i] === OFF) {
      this.tAck[i] = this.now + delay;
    }
  }

  /** §3.10.7.4, eighth: the peer's FIN. */
  private finArrived(i: number): void {
    this.rcvNxt[i] = (this.rcvNxt[i] + 1) | 0;
    this.fl[i] |= F_FIN_RCVD | F_ACK_NOW;
    this.pending[i] |= P_READABLE;
    const s = this.state[i];
    if (s === C.ESTABLISHED || s === C.SYN_RECEIVED) {
      this.transition(i, s, C.CLOSE_WAIT, ev.CAUSE_RCV_FIN);
    } else if (s === C.FIN_WAIT_1) {
      const finAcked = (this.fl[i] & F_FIN_SENT) !== 0 && seqGt(this.sndUna[i], this.sndFin[i]);
      if (finAcked) this.enterTimeWait(i, C.FIN_WAIT_1, ev.CAUSE_RCV_FIN_ACK);
      else this.transition(i, C.FIN_WAIT_1, C.CLOSING, ev.CAUSE_RCV_FIN); // simultaneous close
    } else if (s === C.FIN_WAIT_2) {
      this.enterTimeWait(i, C.FIN_WAIT_2, ev.CAUSE_RCV_FIN);
    }
  }

  /** TIME-WAIT for 2·MSL (MUST-13); every other timer stops. */
  private enterTimeWait(i: number, from: number, cause: number): void {
    this.transition(i, from, C.TIME_WAIT, cause);
    this.tRtx[i] = OFF;
    this.tAck[i] = OFF;
    this.t2[i] = this.now + 2 * this.cfg.msl;
  }

  // =====================================================================================
  // ICMP errors (RFC 9293 §3.9.2.2 MUST-54..56, RFC 5927, RFC 1122 §4.2.3.9)
  // =====================================================================================

  /**
   * An ICMP error quoting one of our segments: `buf[off, off+len)` is the quoted IP header and
   * at least 8 octets of TCP header. Returns false if it matches no connection (the caller
   * counts it). RFC 5927 §4.1: the quoted sequence number must lie in [SND.UNA, SND.NXT], or a
   * blind attacker could forge errors. Hard errors (protocol, port unreachable, fragmentation
   * needed: codes 2–4, SHLD-26) end a connection only while it is still in SYN-SENT; in any
   * synchronized state every error is soft (RFC 5927 §4.2, MUST-56): it is only recorded, for
   * tcpError to report (MUST-47).
   */
  icmpError(type: number, code: number, buf: Uint8Array, off: number, len: number, now: number): boolean {
    this.now = now;
    const ihl = (buf[off] & 0x0f) * 4;
    if (len < ihl + 8 || buf[off + 9] !== ipv4.PROTO_TCP) return false;
    const dst = ipv4.dstAddr(buf, off);
    const t = off + ihl;
    const lport = (buf[t] << 8) | buf[t + 1];
    const rport = (buf[t + 2] << 8) | buf[t + 3];
    const seq = (buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7];
    const i = this.find(dst, rport, lport);
    if (i < 0 || this.state[i] === C.CLOSED) return false;
    if (seqLt(seq, this.sndUna[i]) || seqGt(seq, this.sndMax[i])) return false;
    const hard = type === 3 && code >= 2 && code <= 4;
    if (hard && this.state[i] === C.SYN_SENT) {
      this.closeSlot(i, C.REASON_REFUSED, C.ECONNREFUSED, ev.CAUSE_ICMP);
      this.flush();
      return true;
    }
    if (this.error[i] === C.E_OK) this.error[i] = type === 11 ? C.ETIMEDOUT : C.EHOSTUNREACH;
    this.ip.counters[stats.CNT_TCP_SOFT_ERRORS]++;
    return true;
  }

  // =====================================================================================
  // SYN cookies (RFC 4987 §3.6)
  // =====================================================================================

  /** The cookie for the current segment's 4-tuple and ISN, in time slot `slot`, with MSS class `m`. */
  private cookie(slot: number, m: number, peerIsn: number): number {
    const seg = this.seg;
    // A different word layout (and a tag) from the ISN's, so the two never coincide.
    const h = this.hash.hashWords(this.segSrc, (seg.srcPort << 16) | seg.dstPort, peerIsn, 0x636f6f6b ^ slot, 16);
    return ((slot & 31) << 27) | ((m & 3) << 25) | (h & 0x1ffffff);
  }

  /** Answer a SYN with a SYN-ACK whose ISS is a cookie; no state is kept. */
  private sendCookie(): void {
    const seg = this.seg;
    let m = 0;
    const peerMss = seg.mss > 0 ? seg.mss : 536;
    for (let k = 0; k < COOKIE_MSS.length; k++) if (COOKIE_MSS[k] <= peerMss) m = k;
    const slot = Math.floor(this.now / COOKIE_SLOT_MS) & 31;
    const iss = this.cookie(slot, m, seg.seq);
    this.ip.counters[stats.CNT_SYN_COOKIES_SENT]++;
    this.emit(this.segSrc, seg.dstPort, seg.srcPort, iss, (seg.seq + 1) | 0, tcpw.SYN | tcpw.ACK,
      this.cfg.tcpRcvBuf > 65535 ? 65535 : this.cfg.tcpRcvBuf, this.cfg.mtu - 40, null, 0, 0);
  }

  /** An ACK in LISTEN: if it returns a valid cookie, create the connection ESTABLISHED. */
  private cookieAccept(l: number): boolean {
    const seg = this.seg;
    const iss = (seg.ack - 1) | 0;
    const peerIsn = (seg.seq - 1) | 0;
    const slot = (iss >>> 27) & 31;
    const cur = Math.floor(this.now / COOKIE_SLOT_MS) & 31;
    if (slot !== cur && slot !== ((cur - 1) & 31)) return false;
    const m = (iss >>> 25) & 3;
    if (this.cookie(slot, m, peerIsn) !== iss) return false;
    if (this.lsPending[l] >= this.lsBacklog[l]) {
      this.drop(stats.DROP_TCP_BACKLOG);
      return true;
    }
    const i = this.allocSlot();
    if (i < 0) {
      this.drop(stats.DROP_TCP_TABLE_FULL);
      return true;
    }
    this.openSlot(i, this.segSrc, seg.dstPort, seg.srcPort);
    this.fl[i] = F_PASSIVE | F_SYN_ACKED;
    this.listener[i] = l;
    this.lsPending[l]++;
    this.iss[i] = iss;
    this.sndUna[i] = seg.ack;
    this.sndNxt[i] = seg.ack;
    this.sndMax[i] = seg.ack;
    this.irs[i] = peerIsn;
    this.rcvNxt[i] = seg.seq;
    this.rcvAcked[i] = seg.seq;
    this.rcvAdv[i] = (seg.seq + this.rcv[i].free()) | 0;
    this.sndMss[i] = this.effectiveMss(COOKIE_MSS[m]);
    this.sndWnd[i] = seg.window;
    this.maxSndWnd[i] = seg.window;
    this.sndWl1[i] = seg.seq;
    this.sndWl2[i] = seg.ack;
    this.ip.counters[stats.CNT_SYN_COOKIES_OK]++;
    this.transition(i, C.LISTEN, C.ESTABLISHED, ev.CAUSE_COOKIE);
    this.established(i);
    return true;
  }

  // =====================================================================================
  // Output
  // =====================================================================================

  /** The receive window to advertise, with receiver SWS avoidance (RFC 9293 §3.8.6.2.2). */
  private rcvWindow(i: number): number {
    const cur = (this.rcvAdv[i] - this.rcvNxt[i]) | 0;
    return cur > 0 ? cur : 0;
  }

  /** Move the advertised right edge if it can move by at least min(RCV.BUFF/2, MSS); returns the window. */
  private updateWindow(i: number): number {
    const free = this.rcv[i].free();
    let cur = (this.rcvAdv[i] - this.rcvNxt[i]) | 0;
    if (cur < 0) cur = 0;
    const half = this.cfg.tcpRcvBuf >> 1;
    const mss = this.cfg.mtu - 40;
    const step = half < mss ? half : mss;
    if (free - cur >= step) {
      this.rcvAdv[i] = (this.rcvNxt[i] + free) | 0;
      cur = free;
    }
    return cur > 65535 ? 65535 : cur;
  }

  /** Send whatever this connection has to send now: SYN, data, FIN, or an ACK. */
  private output(i: number): void {
    const s = this.state[i];
    if (s === C.CLOSED || s === C.LISTEN || s === C.TIME_WAIT) {
      if (s === C.TIME_WAIT && (this.fl[i] & F_ACK_NOW)) this.sendAck(i);
      this.fl[i] &= ~F_ACK_NOW;
      return;
    }
    // Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), sent or resent while it is unacknowledged.
    if (!(this.fl[i] & F_SYN_ACKED)) {
      if (this.sndNxt[i] === this.iss[i]) {
        const synAck = s !== C.SYN_SENT;
        this.sendSegment(i, this.iss[i], synAck ? tcpw.SYN | tcpw.ACK : tcpw.SYN, 0, 0);
        this.sndNxt[i] = (this.iss[i] + 1) | 0;
        if (seqLt(this.sndMax[i], this.sndNxt[i])) this.sndMax[i] = this.sndNxt[i];
        this.armRtx(i);
      }
      // RFC 9293 §3.10.4: CLOSE in SYN-RECEIVED with nothing queued sends the FIN now.
      if (s === C.FIN_WAIT_1 && this.snd[i].len === 0 && !(this.fl[i] & F_FIN_SENT) && this.sndNxt[i] === ((this.iss[i] + 1) | 0)) this.sendFin(i);
      else if ((this.fl[i] & F_ACK_NOW) && s !== C.SYN_SENT) this.sendAck(i);
      this.fl[i] &= ~F_ACK_NOW;
      return;
    }
    let sent = false;
    const ring = this.snd[i];
    const mss = this.sndMss[i];
    for (;;) {
      const finSent = (this.fl[i] & F_FIN_SENT) !== 0;
      // Sequence number of ring byte 0, and how far into the ring SND.NXT is.
      const offset = (this.sndNxt[i] - this.sndUna[i]) | 0;
      const unsent = ring.len - offset;
      if (unsent > 0 && !(finSent && seqGt(this.sndNxt[i], this.sndFin[i]))) {
        const usable = ((this.sndUna[i] + this.sndWnd[i]) | 0) - this.sndNxt[i];
        if (usable <= 0) break;
        let n = unsent < mss ? unsent : mss;
        if (n > usable) n = usable;
        // Nagle (RFC 9293 §3.7.4, SHLD-7): while data is in flight, hold a segment smaller
        // than the MSS until it is the last of a closing stream... or the peer acknowledges.
        if (n < mss && this.sndNxt[i] !== this.sndUna[i] && !(this.fl[i] & F_NODELAY) && !(this.fl[i] & F_SHUT_WR)) break;
        // MUST-61: PSH on the last buffered segment.
        const last = n === unsent;
        this.sendSegment(i, this.sndNxt[i], tcpw.ACK | (last ? tcpw.PSH : 0), offset, n);
        this.sndNxt[i] = (this.sndNxt[i] + n) | 0;
        if (seqLt(this.sndMax[i], this.sndNxt[i])) this.sndMax[i] = this.sndNxt[i];
        this.armRtx(i);
        sent = true;
        continue;
      }
      // All data is out: the FIN, once, or again after a go-back retransmission.
      if ((this.fl[i] & F_SHUT_WR) && unsent <= 0 && (!finSent || this.sndNxt[i] === this.sndFin[i])) {
        this.sendFin(i);
        sent = true;
      }
      break;
    }
    if (!sent && (this.fl[i] & F_ACK_NOW)) this.sendAck(i);
    this.fl[i] &= ~F_ACK_NOW;
  }

  /** Send our FIN at SND.NXT (with ACK), and note its sequence number. */
  private sendFin(i: number): void {
    const seq = this.sndNxt[i];
    this.sendSegment(i, seq, tcpw.FIN | tcpw.ACK, 0, 0);
    this.fl[i] |= F_FIN_SENT;
    this.sndFin[i] = seq;
    this.sndNxt[i] = (seq + 1) | 0;
    if (seqLt(this.sndMax[i], this.sndNxt[i])) this.sndMax[i] = this.sndNxt[i];
    this.armRtx(i);
  }

  /** Start the retransmission timer if it is not running (RFC 6298 §5.1), and time a segment. */
  private armRtx(i: number): void {
    if (this.tRtx[i] === OFF) {
      this.tRtx[i] = this.now + this.rto[i];
      this.rtxStart[i] = this.now;
    }
  }

  /** A bare ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
  private sendAck(i: number): void {
    this.sendSegment(i, this.sndNxt[i], tcpw.ACK, 0, 0);
  }

  /** Build and send one segment of connection i carrying `len` octets from `ringOff` of its send ring. */
  private sendSegment(i: number, seq: number, flags: number, ringOff: number, len: number): void {
    const isSyn = (flags & tcpw.SYN) !== 0;
    // Time this segment for RTT if nothing is being timed and it is new (Karn: not a retransmission).
    if (this.rttTime[i] === 0 && (len > 0 || isSyn) && !seqLt(seq, this.sndMax[i])) {
      this.rttTime[i] = this.now;
      this.rttSeq[i] = seq;
    }
    let ackNo = 0;
    if (flags & tcpw.ACK) {
      ackNo = this.rcvNxt[i];
      this.rcvAcked[i] = ackNo;
      this.tAck[i] = OFF;
    }
    const wnd = this.updateWindow(i);
    this.emit(this.raddr[i], this.lport[i], this.rport[i], seq, ackNo, flags, wnd,
      isSyn ? this.cfg.mtu - 40 : 0, this.snd[i], ringOff, len);
  }

  /** A RST that belongs to no connection (§3.10.7.1, §3.10.7.2). */
  private sendRst(dst: number, sport: number, dport: number, seq: number, ack: number, flags: number): void {
    this.ip.counters[stats.CNT_TCP_RST_SENT]++;
    this.emit(dst, sport, dport, seq, ack, flags, 0, 0, null, 0, 0);
  }

  /** Write a TCP header (+ MSS option if mss > 0, + payload from a ring) into the IP transmit buffer and send it. */
  private emit(dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, wnd: number,
    mss: number, ring: Ring | null, ringOff: number, len: number): void {
    const r = this.out;
    r.srcPort = sport;
    r.dstPort = dport;
    r.seq = seq;
    r.ack = ack;
    r.flags = flags;
    r.window = wnd;
    r.urgent = 0;
    r.mss = mss;
    r.payloadLen = len;
    const hl = tcpw.headerLen(r);
    if (ring !== null && len > 0) ring.peek(this.ip.tx, L4 + hl, ringOff, len);
    const n = tcpw.emit(r, this.ip.tx, L4, this.ip.addr, dst);
    this.ip.counters[stats.CNT_TCP_SEGMENTS_SENT]++;
    this.ip.sendIp(ipv4.PROTO_TCP, dst, n);
  }

  /** RFC 5961 §7: at most tcpChallengeAcks challenge ACKs per second, per connection (not global: CVE-2016-5696). */
  private challengeAck(i: number): void {
    if (this.now - this.chStart[i] >= 1000) {
      this.chStart[i] = this.now;
      this.chCount[i] = 0;
    }
    if (this.chCount[i] >= this.cfg.tcpChallengeAcks) {
      this.ip.counters[stats.CNT_TCP_CHALLENGE_ACKS_LIMITED]++;
      return;
    }
    this.chCount[i]++;
    this.ip.counters[stats.CNT_TCP_CHALLENGE_ACKS]++;
    this.sendAck(i);
  }

  // =====================================================================================
  // Timers
  // =====================================================================================

  /** Run every timer due at `now`; returns the earliest deadline still set (Infinity if none). */
  poll(now: number): number {
    this.now = now;
    const n = this.state.length;
    let next = Infinity;
    for (let i = 0; i < n; i++) {
      const s = this.state[i];
      if (s === C.CLOSED) continue;
      if (this.t2[i] !== OFF && this.t2[i] <= now) this.timer2(i);
      if (this.state[i] !== C.CLOSED && this.tAck[i] !== OFF && this.tAck[i] <= now) {
        this.fl[i] |= F_ACK_NOW;
        this.output(i);
      }
      if (this.state[i] !== C.CLOSED && this.tRtx[i] !== OFF && this.tRtx[i] <= now) this.retransmitTimeout(i);
      if (this.state[i] === C.CLOSED) continue;
      if (this.t2[i] !== OFF && this.t2[i] < next) next = this.t2[i];
      if (this.tAck[i] !== OFF && this.tAck[i] < next) next = this.tAck[i];
      if (this.tRtx[i] !== OFF && this.tRtx[i] < next) next = this.tRtx[i];
    }
    this.flush();
    return next;
  }

  /** TIME-WAIT's 2·MSL or the FIN-WAIT-2 timeout ran out. */
  private timer2(i: number): void {
    this.t2[i] = OFF;
    if (this.state[i] === C.TIME_WAIT) this.closeSlot(i, C.REASON_FIN, C.E_OK, ev.CAUSE_TIMEOUT_2MSL);
    else if (this.state[i] === C.FIN_WAIT_2) this.closeSlot(i, C.REASON_TIMEOUT, C.ETIMEDOUT, ev.CAUSE_TIMEOUT_FIN_WAIT_2);
  }

  /** RFC 6298 §5.4–5.7: retransmit from SND.UNA, back off, and give up past R2 (MUST-20, MUST-22/23). */
  private retransmitTimeout(i: number): void {
    const s = this.state[i];
    const elapsed = this.now - this.rtxStart[i];
    let giveUp = false;
    if (s === C.SYN_SENT) giveUp = elapsed >= this.cfg.tcpSynR2;
    else if (s === C.SYN_RECEIVED && (this.fl[i] & F_PASSIVE)) giveUp = this.rtxCount[i] >= this.cfg.tcpSynAckRetries;
    else giveUp = elapsed >= this.cfg.tcpR2;
    if (giveUp) {
      this.ip.counters[stats.CNT_TCP_TIMEOUTS]++;
      if (s === C.SYN_RECEIVED && (this.fl[i] & F_PASSIVE)) {
        this.transition(i, C.SYN_RECEIVED, C.LISTEN, ev.CAUSE_TIMEOUT_RTX);
        this.freeSlot(i);
      } else {
        this.closeSlot(i, C.REASON_TIMEOUT, C.ETIMEDOUT, ev.CAUSE_TIMEOUT_RTX);
      }
      return;
    }
    this.ip.counters[stats.CNT_TCP_RETRANSMITS]++;
    if (!(this.fl[i] & F_SYN_ACKED)) this.fl[i] |= F_SYN_RETRANSMITTED;
    if (this.rtxCount[i] < 255) this.rtxCount[i]++;
    let rto = this.rto[i] * 2;
    if (rto > this.cfg.tcpRtoMax) rto = this.cfg.tcpRtoMax;
    this.rto[i] = rto;
    this.rttTime[i] = 0; // Karn
    this.sndNxt[i] = this.sndUna[i];
    const start = this.rtxStart[i];
    this.tRtx[i] = OFF;
    this.output(i);
    // output() re-armed the timer with the backed-off RTO; R2 still counts from the first try.
    this.rtxStart[i] = start;
  }

  // =====================================================================================
  // Slots, listeners, transitions, events
  // =====================================================================================

  private find(raddr: number, rport: number, lport: number): number {
    const n = this.state.length;
    for (let i = 0; i < n; i++) {
      if (this.lport[i] === lport && this.rport[i] === rport && this.raddr[i] === raddr && (this.state[i] !== C.CLOSED || (this.fl[i] & F_APP))) return i;
    }
    return -1;
  }

  private findListener(port: number): number {
    for (let l = 0; l < this.lsPort.length; l++) if (this.lsPort[l] === port) return l;
    return -1;
  }

  private countSynRcvd(): number {
    let c = 0;
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === C.SYN_RECEIVED && (this.fl[i] & F_PASSIVE)) c++;
    return c;
  }

  /** A free slot; if none, the oldest TIME-WAIT is recycled. Never an ESTABLISHED one. -1 if none. */
  private allocSlot(): number {
    const n = this.state.length;
    let oldest = -1;
    for (let i = 0; i < n; i++) {
      if (this.state[i] === C.CLOSED && !(this.fl[i] & F_APP)) return i;
      if (this.state[i] === C.TIME_WAIT && (oldest < 0 || this.t2[i] < this.t2[oldest])) oldest = i;
    }
    if (oldest < 0) return -1;
    this.transition(oldest, C.TIME_WAIT, C.CLOSED, ev.CAUSE_RECYCLE);
    this.freeSlot(oldest);
    return oldest;
  }

  /** Initialise slot i for a new connection (all fields; rings emptied). */
  private openSlot(i: number, raddr: number, lport: number, rport: number): void {
    this.raddr[i] = raddr;
    this.lport[i] = lport;
    this.rport[i] = rport;
    this.fl[i] = 0;
    this.pending[i] = 0;
    this.reason[i] = 0;
    this.error[i] = 0;
    this.listener[i] = -1;
    this.snd[i].clear();
    this.rcv[i].clear();
    const iss = this.isn(raddr, lport, rport);
    this.iss[i] = iss;
    this.sndUna[i] = iss;
    this.sndNxt[i] = iss;
    this.sndMax[i] = iss;
    this.sndFin[i] = iss;
    this.sndWnd[i] = 0;
    this.maxSndWnd[i] = 0;
    this.sndMss[i] = this.effectiveMss(0);
    this.sndWl1[i] = 0;
    this.sndWl2[i] = 0;
    this.irs[i] = 0;
    this.rcvNxt[i] = 0;
    this.rcvAdv[i] = 0;
    this.rcvAcked[i] = 0;
    this.srtt[i] = 0;
    this.rttvar[i] = 0;
    this.rto[i] = this.cfg.tcpRtoInitial;
    this.rttTime[i] = 0;
    this.rtxCount[i] = 0;
    this.tRtx[i] = OFF;
    this.tAck[i] = OFF;
    this.t2[i] = OFF;
    this.chCount[i] = 0;
    this.chStart[i] = 0;
  }

  /**
   * RFC 6528 (MUST-8, MUST-9): ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
   * M a clock ticking every 4 µs, F the keyed HalfSipHash. The clock is the time passed in.
   */
  private isn(raddr: number, lport: number, rport: number): number {
    const m = (this.now * 250) % 4294967296;
    return (m + this.hash.hash4(this.ip.addr, raddr, (lport << 16) | rport, 0x69736e21)) | 0;
  }

  /** The slot returns to the free pool (nobody holds it). */
  private freeSlot(i: number): void {
    const l = this.listener[i];
    if (l >= 0 && (this.fl[i] & F_PASSIVE) && !(this.fl[i] & F_APP) && this.lsPending[l] > 0) this.lsPending[l]--;
    this.state[i] = C.CLOSED;
    this.fl[i] = 0;
    this.pending[i] = 0;
    this.listener[i] = -1;
    this.tRtx[i] = OFF;
    this.tAck[i] = OFF;
    this.t2[i] = OFF;
    this.lport[i] = 0;
    this.rport[i] = 0;
    this.raddr[i] = 0;
    this.snd[i].clear();
    this.rcv[i].clear();
  }

  /** The connection ends: CLOSED. If the application holds the handle, keep the slot (with its error) until it closes. */
  private closeSlot(i: number, reason: number, error: number, cause: number): void {
    this.transition(i, this.state[i], C.CLOSED, cause);
    if ((this.fl[i] & F_APP) && !(this.fl[i] & F_APP_CLOSED)) {
      this.state[i] = C.CLOSED;
      this.error[i] = error;
      this.reason[i] = reason;
      this.pending[i] |= P_CLOSED;
      this.tRtx[i] = OFF;
      this.tAck[i] = OFF;
      this.t2[i] = OFF;
      this.snd[i].clear();
      // RFC 9293 §3.10.7.4: after a reset, pending RECEIVEs get "reset", not stale data.
      if (reason === C.REASON_RESET || reason === C.REASON_REFUSED) this.rcv[i].clear();
      return;
    }
    this.freeSlot(i);
  }

  /** Record a state change in the trace and make it. */
  private transition(i: number, from: number, to: number, cause: number): void {
    this.trace.record(this.now, i, from, to, cause);
    this.state[i] = to;
  }

  private drop(reason: number): void {
    this.ip.drops[reason]++;
  }

  /** Deliver the events gathered while processing; handlers may call back into the stack. */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    for (let round = 0; round < 4; round++) {
      let any = false;
      for (let i = 0; i < this.state.length; i++) {
        const p = this.pending[i];
        if (p === 0) continue;
        this.pending[i] = 0;
        if (!(this.fl[i] & F_APP) || (this.fl[i] & F_APP_CLOSED)) continue;
        any = true;
        if (p & P_CONNECTED) this.handler(i, C.EV_CONNECTED, 0);
        if (p & P_READABLE) this.handler(i, C.EV_READABLE, 0);
        if (p & P_WRITABLE) this.handler(i, C.EV_WRITABLE, 0);
        if (p & P_CLOSED) this.handler(i, C.EV_CLOSED, this.reason[i]);
      }
      for (let l = 0; l < this.lsPort.length; l++) {
        if (this.lsPort[l] !== 0 && this.acceptable(l) >= 0) {
          // Level-triggered: told once per processing round while something waits.
          if (round === 0) {
            any = true;
            this.handler(l, C.EV_ACCEPTABLE, 0);
          }
        }
      }
      if (!any) break;
    }
    this.flushing = false;
  }

  private acceptable(l: number): number {
    let best = -1;
    for (let i = 0; i < this.state.length; i++) {
      if ((this.fl[i] & F_ACCEPT_Q) && this.listener[i] === l && (best < 0 || this.order[i] < this.order[best])) best = i;
    }
    return best;
  }

  // =====================================================================================
  // User calls (RFC 9293 §3.10.1–6)
  // =====================================================================================

  private checkPort(port: number, what: string): void {
    if (!(port >= 1 && port <= 65535 && port === Math.floor(port))) throw new C.TcpError(C.EINVAL, what + ': port must be an integer in 1..65535, got ' + port);
  }

  /** A handle the application holds, or a TcpError. */
  private owned(conn: number, what: string): number {
    if (!(conn >= 0 && conn < this.state.length && conn === Math.floor(conn)) || !(this.fl[conn] & F_APP) || (this.fl[conn] & F_APP_CLOSED)) {
      throw new C.TcpError(C.EBADF, what + ': ' + conn + ' is not an open connection handle');
    }
    return conn;
  }

  /** Passive OPEN: listen on `port` with an accept backlog. */
  listen(port: number, backlog: number): number {
    this.now = this.clock();
    this.checkPort(port, 'tcpListen');
    if (!(backlog >= 1 && backlog <= 255)) throw new C.TcpError(C.EINVAL, 'tcpListen: backlog must be in 1..255, got ' + backlog);
    if (this.findListener(port) >= 0) throw new C.TcpError(C.EADDRINUSE, 'tcpListen: port ' + port + ' is already listening');
    const l = this.findListener(0);
    if (l < 0) throw new C.TcpError(C.ENOBUFS, 'tcpListen: the listen table is full (' + this.lsPort.length + ' entries, config.tcpListeners)');
    this.lsPort[l] = port;
    this.lsBacklog[l] = backlog;
    this.lsPending[l] = 0;
    return l;
  }

  private checkListener(l: number, what: string): void {
    if (!(l >= 0 && l < this.lsPort.length) || this.lsPort[l] === 0) throw new C.TcpError(C.EBADF, what + ': ' + l + ' is not a listener handle');
  }

  /** Stop listening; embryonic and unaccepted connections of this listener are reset. */
  unlisten(l: number): void {
    this.now = this.clock();
    this.checkListener(l, 'tcpUnlisten');
    for (let i = 0; i < this.state.length; i++) {
      if (this.listener[i] === l && !(this.fl[i] & F_APP) && this.state[i] !== C.CLOSED) {
        // The peer believes in this connection; tell it otherwise.
        this.sendRstFor(i);
        this.transition(i, this.state[i], C.CLOSED, ev.CAUSE_UNLISTEN);
        this.freeSlot(i);
      } else if (this.listener[i] === l) {
        this.listener[i] = -1;
      }
    }
    this.lsPort[l] = 0;
    this.lsPending[l] = 0;
  }

  /** Take the oldest established connection from the listener's queue, or -1 (EAGAIN). */
  accept(l: number): number {
    this.now = this.clock();
    this.checkListener(l, 'tcpAccept');
    const i = this.acceptable(l);
    if (i < 0) return -1;
    this.fl[i] = (this.fl[i] & ~F_ACCEPT_Q) | F_APP;
    if (this.lsPending[l] > 0) this.lsPending[l]--;
    // Events that happened before accept (data, FIN) are reported now.
    if (this.rcv[i].len > 0 || (this.fl[i] & F_FIN_RCVD)) this.pending[i] |= P_READABLE;
    return i;
  }

  /** Active OPEN: the SYN goes out now; returns the handle (state SYN-SENT). */
  connect(raddr: number, rport: number, lport: number): number {
    this.now = this.clock();
    this.checkPort(rport, 'tcpConnect');
    // MUST-46: no OPEN to a broadcast or multicast address.
    if (ipv4.isBroadcastOrMulticast(raddr) || ipv4.isUnspecified(raddr) || raddr === this.ip.addr) {
      throw new C.TcpError(C.EINVAL, 'tcpConnect: ' + ipv4.formatAddr(raddr) + ' is not a unicast address of a peer');
    }
    if (lport === 0) lport = this.pickPort(raddr, rport);
    else this.checkPort(lport, 'tcpConnect');
    if (this.find(raddr, rport, lport) >= 0) throw new C.TcpError(C.EADDRINUSE, 'tcpConnect: that connection (local port ' + lport + ') already exists');
    const i = this.allocSlot();
    if (i < 0) throw new C.TcpError(C.ENOBUFS, 'tcpConnect: the connection table is full (' + this.state.length + ' slots, config.tcpConns)');
    this.openSlot(i, raddr, lport, rport);
    this.fl[i] = F_APP;
    this.transition(i, C.CLOSED, C.SYN_SENT, ev.CAUSE_CONNECT);
    this.output(i);
    return i;
  }

  /** RFC 793 §3.9 (SEND/OPEN in LISTEN): the listening endpoint turns active; LISTEN -> SYN-SENT. */
  connectFrom(l: number, raddr: number, rport: number): number {
    this.checkListener(l, 'tcpConnectFrom');
    const lport = this.lsPort[l];
    this.unlisten(l);
    const i = this.connect(raddr, rport, lport);
    // The trace shows the endpoint's own path: it was listening, now it is SYN-SENT.
    this.trace.record(this.now, i, C.LISTEN, C.SYN_SENT, ev.CAUSE_SEND);
    return i;
  }

  private pickPort(raddr: number, rport: number): number {
    for (let k = 0; k < 16384; k++) {
      const p = this.ephemeral;
      this.ephemeral = this.ephemeral >= 65535 ? 49152 : this.ephemeral + 1;
      if (this.find(raddr, rport, p) < 0 && this.findListener(p) < 0) return p;
    }
    throw new C.TcpError(C.EADDRINUSE, 'tcpConnect: no free ephemeral port');
  }

  /** SEND: queue up to len octets; returns how many the send ring took. */
  write(conn: number, buf: Uint8Array, off: number, len: number): number {
    this.now = this.clock();
    const i = this.owned(conn, 'tcpWrite');
    if (this.fl[i] & F_SHUT_WR) throw new C.TcpError(C.EPIPE, 'tcpWrite: connection ' + i + ' was shut down for writing');
    const s = this.state[i];
    if (s === C.CLOSED) return this.error[i] === C.E_OK ? -C.ENOTCONN : -this.error[i];
    const n = this.snd[i].write(buf, off, len);
    if (n > 0) this.output(i);
    this.flush();
    return n;
  }

  /** RECEIVE: copy out up to len octets; 0 = nothing yet, READ_EOF after the peer's FIN, -ECONNRESET after a reset. */
  read(conn: number, buf: Uint8Array, off: number, len: number): number {
    this.now = this.clock();
    const i = this.owned(conn, 'tcpRead');
    const ring = this.rcv[i];
    if (ring.len === 0) {
      if (this.state[i] === C.CLOSED && this.error[i] !== C.E_OK) return -this.error[i];
      if (this.fl[i] & F_FIN_RCVD) return C.READ_EOF;
      if (this.state[i] === C.CLOSED) return C.READ_EOF;
      return 0;
    }
    const n = ring.read(buf, off, len);
    // Tell the peer when the window has opened by a useful amount (RFC 9293 §3.8.6.2.2).
    const s = this.state[i];
    if (n > 0 && (s === C.ESTABLISHED || s === C.FIN_WAIT_1 || s === C.FIN_WAIT_2)) {
      const cur = this.rcvWindow(i);
      const half = this.cfg.tcpRcvBuf >> 1;
      const mss = this.cfg.mtu - 40;
      if (ring.free() - cur >= (half < mss ? half : mss)) {
        this.fl[i] |= F_ACK_NOW;
        this.output(i);
      }
    }
    return n;
  }

  /** Half-close (SHUT_WR): a FIN follows the queued data; reading goes on. */
  shutdown(conn: number): void {
    this.now = this.clock();
    const i = this.owned(conn, 'tcpShutdown');
    if (this.fl[i] & F_SHUT_WR) return;
    this.fl[i] |= F_SHUT_WR;
    this.closeTransition(i);
  }

  /** CLOSE (§3.10.4): the application is done with the handle. */
  close(conn: number): void {
    this.now = this.clock();
    const i = this.owned(conn, 'tcpClose');
    const s = this.state[i];
    if (s === C.CLOSED) {
      // Reset or timed out earlier: the application lets go of the slot now.
      this.fl[i] |= F_APP_CLOSED;
      this.freeSlot(i);
      return;
    }
    // RFC 2525 §2.17 (and Linux): closing with unread data loses it, so say so with a RST.
    if (this.rcv[i].len > 0 && s !== C.SYN_SENT) {
      this.emit(this.raddr[i], this.lport[i], this.rport[i], this.sndNxt[i], this.rcvNxt[i], tcpw.RST | tcpw.ACK, 0, 0, null, 0, 0);
      this.ip.counters[stats.CNT_TCP_RST_SENT]++;
      this.transition(i, s, C.CLOSED, ev.CAUSE_CLOSE);
      this.fl[i] |= F_APP_CLOSED;
      this.freeSlot(i);
      return;
    }
    this.fl[i] |= F_APP_CLOSED | F_SHUT_WR;
    if (s === C.SYN_SENT) {
      this.transition(i, C.SYN_SENT, C.CLOSED, ev.CAUSE_CLOSE);
      this.freeSlot(i);
      return;
    }
    if (s === C.FIN_WAIT_2 && this.t2[i] === OFF) this.t2[i] = this.now + this.cfg.tcpFinWait2Timeout;
    this.closeTransition(i);
    this.flush();
  }

  /** ESTABLISHED/SYN-RECEIVED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK, then send what can be sent. */
  private closeTransition(i: number): void {
    const s = this.state[i];
    if (s === C.ESTABLISHED || s === C.SYN_RECEIVED) this.transition(i, s, C.FIN_WAIT_1, ev.CAUSE_CLOSE);
    else if (s === C.CLOSE_WAIT) this.transition(i, C.CLOSE_WAIT, C.LAST_ACK, ev.CAUSE_CLOSE);
    this.output(i);
  }

  /** ABORT (§3.10.5): RST to the peer in a synchronized state, and the slot is free at once. */
  abort(conn: number): void {
    this.now = this.clock();
    const i = this.owned(conn, 'tcpAbort');
    const s = this.state[i];
    if (s !== C.CLOSED && s !== C.SYN_SENT) this.sendRstFor(i);
    if (s !== C.CLOSED) this.transition(i, s, C.CLOSED, ev.CAUSE_ABORT);
    this.fl[i] |= F_APP_CLOSED;
    this.freeSlot(i);
  }

  /** <SEQ=SND.NXT><CTL=RST> for connection i. */
  private sendRstFor(i: number): void {
    this.ip.counters[stats.CNT_TCP_RST_SENT]++;
    this.emit(this.raddr[i], this.lport[i], this.rport[i], this.sndNxt[i], 0, tcpw.RST, 0, 0, null, 0, 0);
  }

  /** The state of a handle the application holds (CLOSED once it is over). */
  getState(conn: number): number {
    if (!(conn >= 0 && conn < this.state.length)) throw new C.TcpError(C.EBADF, 'tcpState: ' + conn + ' is not a connection handle');
    return this.state[conn];
  }

  /** The pending error, cleared by reading it (like SO_ERROR). */
  takeError(conn: number): number {
    const i = this.owned(conn, 'tcpError');
    const e = this.error[i];
    this.error[i] = C.E_OK;
    return e;
  }

  /** Turn Nagle off (true) or on (false) for one connection (MUST-17). */
  setNoDelay(conn: number, on: boolean): void {
    const i = this.owned(conn, 'tcpSetNoDelay');
    if (on) this.fl[i] |= F_NODELAY;
    else this.fl[i] &= ~F_NODELAY;
  }

  /** Slots in `state` (tests and tools; CLOSED counts handles the application still holds after a reset). */
  count(state: number): number {
    let c = 0;
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === state && (state !== C.CLOSED || (this.fl[i] & F_APP))) c++;
    return c;
  }

  /** Slots in use (anything but a free slot). */
  inUse(): number {
    let c = 0;
    for (let i = 0; i < this.state.length; i++) if (this.state[i] !== C.CLOSED || (this.fl[i] & F_APP)) c++;
    return c;
  }

  /** Local port, remote address and port of a slot (tools: netstat). */
  endpoint(i: number, out: Int32Array): void {
    out[0] = this.lport[i];
    out[1] = this.raddr[i];
    out[2] = this.rport[i];
    out[3] = this.sndUna[i];
    out[4] = this.sndNxt[i];
    out[5] = this.rcvNxt[i];
    out[6] = this.snd[i].len;
    out[7] = this.rcv[i].len;
  }
}
