/**
 * The TCP connection table (RFC 9293 §3.3.1's Transmission Control Block, one per slot) as a
 * struct of arrays, and everything the engine's modules share about it.
 *
 * Contract:
 * - `createTcb(cfg, ip, k0, k1, clock)` allocates every array the engine will ever use, once.
 *   Per-slot fields live in four typed arrays grouped by width, a named offset per field:
 *   `v` (Int32Array, W32 words per slot: sequence numbers, windows, ports, flags), `tm`
 *   (Float64Array, W64 per slot: times and timers, ms), `u8` (Uint8Array, W8 per slot: small
 *   counters) and `st` (the RFC 9293 state of each slot). Slot i's SND.UNA is
 *   `t.v[i * W32 + SND_UNA]`. Every connection's two rings share one buffer; the out-of-order
 *   assemblers and the SACK scoreboards are one Int32Array each.
 * - Handles are slot indices. The listen table is `ls` (Uint16Array, 3 words per listener).
 * - `tcbBytes(cfg)` is the exact RAM of all of it, derived from the same widths: the
 *   configuration's RAM table and `stack.ramBudget()` read it from here.
 * - Every engine module takes the table first (`output(t, i)`), as lwIP's functions take the
 *   PCB; nothing here has methods, so an interpreter never walks an object to find one.
 */
import * as tcpw from '../wire/tcp.js';
import { TraceRing } from '../trace/events.js';
import { createRing } from '../storage/ring.js';
import type { Ring } from '../storage/ring.js';
import { asmWords } from '../storage/assembler.js';
import { hashKey } from './hash.js';
import type { Config } from '../config.js';
import type { Net } from '../net.js';
import { TRACE } from '../features.js';
import { noop } from '../noop.js';


/** The application's event handler: (connection or listener handle, EV_*, detail). */
export type TcpHandler = (conn: number, event: number, detail: number) => void;

/** "No handler given" in the handler tables (the default then applies): the shared no-op. */
export const noHandler: TcpHandler = noop;

// ---- Int32 fields (v), W32 per slot ---------------------------------------------------
/** Flag bits F_* below. */
export const FL = 0;
export const LPORT = 1;
export const RPORT = 2;
export const RADDR = 3;
// Send sequence space (RFC 9293 §3.3.1).
export const ISS = 4;
export const SND_UNA = 5;
export const SND_NXT = 6;
/** Highest sequence number sent (SND.NXT before a go-back retransmission). */
export const SND_MAX = 7;
export const SND_WND = 8;
export const SND_WL1 = 9;
export const SND_WL2 = 10;
export const MAX_SND_WND = 11;
/** Sequence number of our FIN, once sent. */
export const SND_FIN = 12;
export const SND_MSS = 13;
// Receive sequence space.
export const IRS = 14;
export const RCV_NXT = 15;
/** Right edge of the window we last advertised (RCV.NXT + RCV.WND at that time). */
export const RCV_ADV = 16;
/** RCV.NXT we last acknowledged (for "ACK every second full segment"). */
export const RCV_ACKED = 17;
/** The sequence number being timed for an RTT sample. */
export const RTT_SEQ = 18;
/** Accept-queue order. */
export const ORDER = 19;
// RFC 5681 congestion control, RFC 6582 NewReno.
export const CWND = 20;
export const SSTHRESH = 21;
/** Octets acknowledged since cwnd last grew in congestion avoidance. */
export const CA_ACKED = 22;
export const RECOVER = 23;
/** R2 of this connection, ms (MUST-21: the application can set it). */
export const R2 = 24;
/** Where an out-of-order FIN sits. */
export const OO_FIN = 25;
/**
 * RFC 2018 §4: a sequence number inside each of the last SACK_MAX_BLOCKS ranges reported
 * first, newest first (four words from here); the first names the segment that arrived
 * last. An entry whose range is gone (RCV.NXT passed it) matches nothing.
 */
export const SACK_RECENT = 26;
/** RFC 6675 HighRxt: the end of the highest octet resent in this recovery. */
export const HIGH_RXT = 26 + tcpw.SACK_MAX_BLOCKS;
/** SND.MAX when the last retransmission went out: SACKed data past it was sent after it. */
export const RXT_MARK = HIGH_RXT + 1;
/** The listen-table index that opened this slot passively, or -1. */
export const LISTENER = RXT_MARK + 1;
/** Int32 words per slot. */
export const W32 = LISTENER + 1;

// ---- Float64 fields (tm), W64 per slot: ms ---------------------------------------------
// RFC 6298 retransmission state.
export const SRTT = 0;
export const RTTVAR = 1;
export const RTO = 2;
/** When the timed segment was sent (NEVER: nothing timed). */
export const RTT_TIME = 3;
/** When the retransmission clock that R2 measures started. */
export const RTX_START = 4;
// Timers: absolute deadlines, OFF = not running. The five are consecutive (T_RTX..T_KEEP):
// timers.ts scans them as one range.
export const T_RTX = 5;
export const T_ACK = 6;
/** TIME-WAIT (2·MSL) or FIN-WAIT-2 timeout. */
export const T_2 = 7;
export const T_PERSIST = 8;
export const T_KEEP = 9;
/** RFC 5961 §7 challenge-ACK window start. */
export const CH_START = 10;
/** Since when the peer's window has been zero (NEVER: it is not). */
export const PERSIST_SINCE = 11;
/** Float64 words per slot. */
export const W64 = 12;

// ---- Uint8 fields (u8), W8 per slot ----------------------------------------------------
/** Pending-event bits P_*, delivered by flush (events.ts). */
export const PENDING = 0;
/** Why the connection ended (REASON_*). */
export const REASON = 1;
/** The pending error (errno), like SO_ERROR. */
export const ERROR = 2;
export const RTX_COUNT = 3;
/** Challenge ACKs sent in the current second. */
export const CH_COUNT = 4;
export const DUP_ACKS = 5;
export const PERSIST_SHIFT = 6;
export const KEEP_PROBES = 7;
/** Why the ACK held back by an input batch is owed (WHY_*; 0: from its flags), for endBatch. */
export const ACK_WHY = 8;
/** Uint8 words per slot. */
export const W8 = 9;

// ---- the listen table (ls), 3 Uint16 words per listener --------------------------------
export const LS_PORT = 0;
export const LS_BACKLOG = 1;
/**
 * Accept queue length: established connections not yet accepted. The backlog bounds this only.
 * Embryonic (SYN-RECEIVED) entries are bounded separately, table-wide, by tcpMaxSynRcvd: mixing
 * the two would let a few spoofed SYNs fill a listener's backlog and lock real clients out even
 * when their SYN cookies check out.
 */
export const LS_PENDING = 2;
export const LS_WORDS = 3;

// ---- flag bits (v[FL]) -----------------------------------------------------------------
/** Opened by a passive OPEN (a listener): RFC 9293 MUST-11 remembers it for SYN-RECEIVED + RST. */
export const F_PASSIVE = 0x1;
/** The application holds this handle (it connected, or accepted it). */
export const F_APP = 0x2;
/** Established, waiting in its listener's accept queue. */
export const F_ACCEPT_Q = 0x4;
/** The application called close: it will not read or write again. */
export const F_APP_CLOSED = 0x8;
/** No more data will be queued: a FIN follows the data (shutdown or close). */
export const F_SHUT_WR = 0x10;
/** Our FIN has been sent (its sequence number is in SND_FIN). */
export const F_FIN_SENT = 0x20;
/** The peer's FIN has been received (read returns end of stream once the ring is drained). */
export const F_FIN_RCVD = 0x40;
/** Send an ACK at the next output, whatever else happens. */
export const F_ACK_NOW = 0x80;
/** Nagle off (RFC 9293 MUST-17). */
export const F_NODELAY = 0x100;
/** Our SYN has been acknowledged. */
export const F_SYN_ACKED = 0x200;
/** The SYN (or SYN-ACK) was retransmitted: RFC 6298 §5.7 starts the data RTO at 3 s. */
export const F_SYN_RETRANSMITTED = 0x400;
/** In NewReno fast recovery (RFC 6582) until SND.UNA passes RECOVER. */
export const F_RECOVERY = 0x800;
/** Keepalive on for this connection (MUST-24: per connection; MUST-25: off by default). */
export const F_KEEPALIVE = 0x1000;
/** A FIN arrived out of order at OO_FIN; it counts once RCV.NXT reaches it. */
export const F_OOO_FIN = 0x2000;
/** A bare ACK is owed, held until the current chunk of input has been processed (MUST-59). */
export const F_ACK_DEFERRED = 0x4000;
/** Both SYNs carried SACK-permitted (RFC 2018 §2): SACK blocks flow both ways. */
export const F_SACK = 0x8000;

// ---- pending-event bits (u8[PENDING]), one per EV_* the application can get ---------------
export const P_CONNECTED = 0x2;
export const P_READABLE = 0x8;
export const P_WRITABLE = 0x10;
export const P_CLOSED = 0x20;

/** "No timer": deadlines are absolute ms, 0 means off (a deadline is always later than 0). */
export const OFF = 0;
/** "Not timing" / "not since": for timestamps, where 0 is a real time (the clock may start at 0). */
export const NEVER = -1;
/** Offset of the TCP header in the transmit buffer (after a 20-octet IPv4 header). */
export const L4 = 20;

/** The table and the engine's scratch state. Field order matters on Espruino: hot ones first. */
export interface Tcb {
  v: Int32Array;
  st: Uint8Array;
  tm: Float64Array;
  u8: Uint8Array;
  /** The time of the event being processed (input, poll, or a user call: the HAL clock). */
  now: number;
  /** The segment being processed (receive side). */
  seg: tcpw.TcpRepr;
  /** Its source address. */
  src: number;
  /** The segment being built (send side). */
  out: tcpw.TcpRepr;
  cfg: Config;
  snd: Ring[];
  rcv: Ring[];
  /** Out-of-order assemblers, oooW words per slot (storage/assembler.ts). */
  ooo: Int32Array;
  oooW: number;
  /** SACK scoreboards, sackW words per slot (one count word when tcpSack is off). */
  sack: Int32Array;
  sackW: number;
  /** Ranges an assembler holds (tcpOooHoles). */
  holes: number;
  /** Slots. */
  n: number;
  ls: Uint16Array;
  /** Listen-table entries. */
  nls: number;
  /** The interface below (src/net.ts): addresses, the transmit buffer, ipSend's state. */
  ip: Net;
  cnt: Uint32Array;
  drops: Uint32Array;
  tx: Uint8Array;
  addr: number;
  /** Why the segments sent next are sent, when the caller knows better than their flags (WHY_*; 0: from the flags). */
  why: number;
  /** Inside a chunk's batch (net.ts; tcp/input.ts endBatch): bare ACKs wait for its end (MUST-59). */
  batching: boolean;
  /** Inside flush: events raised by handlers wait for the next round. */
  flushing: boolean;
  /**
   * A lower bound of every armed timer (ms; Infinity: none armed): `arm` lowers it, poll
   * (timers.ts) sets it exactly after a full pass, and skips the pass while it lies ahead.
   */
  due: number;
  /**
   * Counts the events raised (an event bit set, a listener's queue told) since flush
   * (events.ts) last began: 0 means nothing to deliver, and flush skips its pass over the table.
   */
  pend: number;
  /** 1 when a bare ACK is held back for the end of the batch (endBatch, input.ts), which skips its pass while 0. */
  held: number;
  /** The next ephemeral port to try. */
  ephemeral: number;
  /** Counter giving each connection its place in the accept queue. */
  acceptOrder: number;
  /** The default event handler (stack.onTcp). */
  handler: TcpHandler;
  /** Each connection slot's own handler (noHandler: none). */
  connHandler: TcpHandler[];
  /** Each listener's own handler (noHandler: none). */
  lsHandler: TcpHandler[];
  /** The RFC 6528 / SYN-cookie key and the hash's state (hash.ts). */
  hk: Int32Array;
  /** The state-transition trace (read by tools); null in a build without TRACE (src/features.ts). */
  trace: TraceRing;
  /** The HAL's clock: user calls read it, since they happen between polls. */
  clock: () => number;
  /** Inside input or poll: the HAL polls when they return, so user calls need not wake it, and t.now is the time. */
  inside: boolean;
  /** The HAL's wake (src/hal.ts), or nothing. */
  wake: () => void;
}

/** Bytes of one connection's fields (rings and assemblers not included), from the widths above. */
export const TCB_BYTES = 4 * W32 + 8 * W64 + W8 + 1;
/** Bytes of one listen-table entry. */
export const LISTENER_BYTES = 2 * LS_WORDS;

/**
 * Exact bytes of every typed array the table holds: the per-slot fields, the listen table,
 * the rings' shared buffer, the assemblers and scoreboards, the trace ring, the hash state and
 * the SACK edges of the two segment reprs. (config.ts derives the same figure from the
 * settings; a test holds the two equal.)
 */
export function tcbRam(t: Tcb): number {
  return t.v.byteLength + t.st.byteLength + t.tm.byteLength + t.u8.byteLength + t.ls.byteLength +
    (t.n > 0 ? t.snd[0].buf.byteLength : 0) + t.ooo.byteLength + t.sack.byteLength + (TRACE ? t.trace.bytes() : 0) + t.hk.byteLength +
    t.seg.sackLeft.byteLength + t.seg.sackRight.byteLength + t.out.sackLeft.byteLength + t.out.sackRight.byteLength;
}

/** Allocate the table for `cfg` (start-up only). k0, k1: the hash key, from the HAL's random source. */
export function createTcb(cfg: Config, ip: Net, k0: number, k1: number, clock: () => number, wake: () => void): Tcb {
  const n = cfg.tcpConns;
  const m = cfg.tcpListeners;
  const oooW = asmWords(cfg.tcpOooHoles);
  const sackW = cfg.tcpSack ? oooW : 1;
  const ringBuf = new Uint8Array(n * (cfg.tcpSndBuf + cfg.tcpRcvBuf));
  const t: Tcb = {
    v: new Int32Array(n * W32),
    st: new Uint8Array(n),
    tm: new Float64Array(n * W64),
    u8: new Uint8Array(n * W8),
    now: clock(),
    seg: new tcpw.TcpRepr(),
    src: 0,
    out: new tcpw.TcpRepr(),
    cfg: cfg,
    snd: [],
    rcv: [],
    ooo: new Int32Array(n * oooW),
    oooW: oooW,
    sack: new Int32Array(n * sackW),
    sackW: sackW,
    holes: cfg.tcpOooHoles,
    n: n,
    ls: new Uint16Array(m * LS_WORDS),
    nls: m,
    ip: ip,
    cnt: ip.counters,
    drops: ip.drops,
    tx: ip.tx,
    addr: ip.addr,
    why: 0,
    batching: false,
    flushing: false,
    due: 0,
    pend: 0,
    held: 0,
    ephemeral: 49152 + ((k0 >>> 0) % 16384),
    acceptOrder: 0,
    handler: noHandler,
    connHandler: [],
    lsHandler: [],
    hk: hashKey(k0, k1),
    // Without TRACE no ring exists, so a board build carries no TraceRing code (its methods
    // are functions, which cost Espruino RAM); everything that reads it runs only with TRACE.
    trace: TRACE ? new TraceRing(cfg.traceEvents) : (null as unknown as TraceRing),
    clock: clock,
    inside: false,
    wake: wake,
  };
  for (let i = 0; i < n; i++) {
    // One buffer for all rings: the RAM cost is exactly n·(sndBuf + rcvBuf).
    const base = i * (cfg.tcpSndBuf + cfg.tcpRcvBuf);
    t.snd.push(createRing(ringBuf, base, cfg.tcpSndBuf));
    t.rcv.push(createRing(ringBuf, base + cfg.tcpSndBuf, cfg.tcpRcvBuf));
    t.connHandler.push(noHandler);
    t.v[i * W32 + LISTENER] = -1;
  }
  for (let l = 0; l < m; l++) t.lsHandler.push(noHandler);
  return t;
}

/** SEG.LEN of the segment being processed: octets of data plus one for SYN and one for FIN. */
export function segLen(t: Tcb): number {
  const seg = t.seg;
  return seg.payloadLen + (seg.flags & tcpw.SYN ? 1 : 0) + (seg.flags & tcpw.FIN ? 1 : 0);
}

/** RCV.WND as we last advertised it, from RCV.NXT to the advertised right edge (never negative). */
export function rcvWindow(t: Tcb, i: number): number {
  const cur = (t.v[i * W32 + RCV_ADV] - t.v[i * W32 + RCV_NXT]) | 0;
  return cur > 0 ? cur : 0;
}

/**
 * RFC 9293 §3.7.1 and MUST-16: the send MSS is the peer's option (536 if absent, and 0
 * counts as absent), capped by what our MTU carries, and never below a floor: a peer's tiny
 * MSS would otherwise make us send floods of tiny segments (CVE-2019-11479).
 */
export function effectiveMss(t: Tcb, peer: number): number {
  let mss = peer > 0 ? peer : 536;
  if (mss < t.cfg.tcpMinMss) mss = t.cfg.tcpMinMss;
  const own = t.cfg.mtu - 40;
  if (mss > own) mss = own;
  return mss > 1 ? mss : 1;
}

/** RFC 5681 §3.1 (RFC 3390): IW = min(4·SMSS, max(2·SMSS, 4380 octets)). */
export function initialWindow(mss: number): number {
  const two = 2 * mss > 4380 ? 2 * mss : 4380;
  return 4 * mss < two ? 4 * mss : two;
}

/** The application holds slot i and has not closed it. */
export function held(t: Tcb, i: number): boolean {
  const f = t.v[i * W32 + FL];
  return (f & F_APP) !== 0 && (f & F_APP_CLOSED) === 0;
}

/**
 * Arm the timer at t.tm[k] for time d (ms), keeping t.due a lower bound of every armed timer:
 * every timer is set here, so poll (timers.ts) may skip its pass over the table while t.due
 * lies ahead.
 */
export function arm(t: Tcb, k: number, d: number): void {
  t.tm[k] = d;
  if (d < t.due) t.due = d;
}
