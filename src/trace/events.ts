/**
 * The transition trace: every TCP state change is recorded as (time, connection, from, to,
 * cause) in a preallocated ring that tools read (the state-transition trace, ladder
 * diagrams and the netstat view are built on it).
 *
 * Contract: `record` overwrites the oldest entry when the ring is full and never allocates;
 * `total` counts every record ever made, so a reader can tell how many it missed.
 * Entry k (0 = oldest still held) is read with `conn(k)`, `from(k)`, `to(k)`, `cause(k)`, `time(k)`.
 */

// Causes of a transition.
/** The application opened actively (connect). */
export const CAUSE_CONNECT = 1;
/** A SYN arrived. */
export const CAUSE_RCV_SYN = 2;
/** A SYN-ACK arrived. */
export const CAUSE_RCV_SYN_ACK = 3;
/** An ACK arrived (of our SYN or FIN). */
export const CAUSE_RCV_ACK = 4;
/** A FIN arrived. */
export const CAUSE_RCV_FIN = 5;
/** A FIN that also acknowledged our FIN arrived. */
export const CAUSE_RCV_FIN_ACK = 6;
/** A RST arrived. */
export const CAUSE_RCV_RST = 7;
/** The application closed (or shut down its sending side). */
export const CAUSE_CLOSE = 8;
/** The application aborted. */
export const CAUSE_ABORT = 9;
/** TIME-WAIT's 2·MSL ran out. */
export const CAUSE_TIMEOUT_2MSL = 10;
/** Retransmissions gave up (R2, SYN or SYN-ACK retries). */
export const CAUSE_TIMEOUT_RTX = 11;
/** FIN-WAIT-2 ran out waiting for the peer's FIN. */
export const CAUSE_TIMEOUT_FIN_WAIT_2 = 12;
/** A TIME-WAIT slot was recycled for a new connection. */
export const CAUSE_RECYCLE = 13;
/** A valid SYN-cookie ACK created the connection. */
export const CAUSE_COOKIE = 14;
/** The application sent from a listening endpoint (RFC 793 §3.9: LISTEN -> SYN-SENT). */
export const CAUSE_SEND = 15;
/** The application listened. */
export const CAUSE_LISTEN = 16;
/** The listener was closed under an embryonic or unaccepted connection. */
export const CAUSE_UNLISTEN = 17;
/** An ICMP hard error (protocol/port unreachable) answered our SYN. */
export const CAUSE_ICMP = 18;
/** Keepalive probes went unanswered. */
export const CAUSE_TIMEOUT_KEEPALIVE = 19;
/** Printable cause names, indexed by CAUSE_*. */
export const CAUSE_NAMES: string[] = [
  '', 'connect', 'rcv SYN', 'rcv SYN-ACK', 'rcv ACK', 'rcv FIN', 'rcv FIN-ACK', 'rcv RST', 'close',
  'abort', '2MSL timeout', 'retransmission timeout', 'FIN-WAIT-2 timeout', 'recycled', 'SYN cookie',
  'send in LISTEN', 'listen', 'listener closed', 'ICMP unreachable', 'keepalive timeout',
];

// Why a segment was sent (stack.net.txReason, set before each frame reaches hal.write; 0 for
// anything that is not TCP). Teaching views print it beside each arrow.
/** Not a TCP segment (ICMP, UDP). */
export const WHY_NONE = 0;
/** Our SYN (active open). */
export const WHY_SYN = 1;
/** Our SYN-ACK (a SYN arrived, or the peer repeated it). */
export const WHY_SYN_ACK = 2;
/** New data. */
export const WHY_DATA = 3;
/** An ACK owed at once (data arrived: every second segment, out of order, or a FIN). */
export const WHY_ACK = 4;
/** The delayed-ACK timer ran out (RFC 9293 §3.8.6.3). */
export const WHY_DELAYED_ACK = 5;
/** The application read and the window opened by a useful amount (§3.8.6.2.2). */
export const WHY_WINDOW_UPDATE = 6;
/** Our FIN. */
export const WHY_FIN = 7;
/** The retransmission timer ran out: resent from SND.UNA (RFC 6298 §5.4). */
export const WHY_RTO = 8;
/** Fast retransmit or a NewReno partial ACK (RFC 5681 §3.2, RFC 6582). */
export const WHY_FAST_RETRANSMIT = 9;
/** A hole the peer's SACK blocks showed missing (RFC 6675). */
export const WHY_SACK_RETRANSMIT = 10;
/** The persist timer: a zero-window probe or a held-back runt (§3.8.6.1). */
export const WHY_PERSIST = 11;
/** A keepalive probe (§3.8.4). */
export const WHY_KEEPALIVE = 12;
/** A challenge ACK (RFC 5961) or the answer to an unacceptable segment (§3.10.7.4). */
export const WHY_CHALLENGE_ACK = 13;
/** A RST for a segment that belongs to no connection or carries an unacceptable ACK (§3.10.7.1-3). */
export const WHY_RST = 14;
/** A RST because the application aborted, closed with unread data, or a limit reclaimed the slot. */
export const WHY_RST_ABORT = 15;
/** A SYN-ACK carrying a SYN cookie (RFC 4987 §3.6). */
export const WHY_COOKIE = 16;
/** TIME-WAIT acknowledges a retransmitted FIN again (§3.10.7.4). */
export const WHY_TIME_WAIT_ACK = 17;
/** Printable names, indexed by WHY_*. */
export const WHY_NAMES: string[] = [
  '', 'SYN', 'SYN-ACK', 'data', 'ACK', 'delayed ACK', 'window update', 'FIN', 'retransmission timeout',
  'fast retransmit', 'SACK retransmit', 'persist', 'keepalive', 'challenge ACK', 'RST', 'RST (abort)',
  'SYN cookie', 'TIME-WAIT ACK',
];

/** Bytes of one trace entry: time (8), connection (2), from, to, cause. */
export const TRACE_EVENT_BYTES = 13;

export class TraceRing {
  /** Records ever made. */
  total: number;
  private times: Float64Array;
  private conns: Int16Array;
  private froms: Uint8Array;
  private tos: Uint8Array;
  private causes: Uint8Array;

  constructor(capacity: number) {
    this.total = 0;
    this.times = new Float64Array(capacity);
    this.conns = new Int16Array(capacity);
    this.froms = new Uint8Array(capacity);
    this.tos = new Uint8Array(capacity);
    this.causes = new Uint8Array(capacity);
  }

  /** Entries the ring holds (at most its capacity). */
  size(): number {
    const cap = this.times.length;
    return this.total < cap ? this.total : cap;
  }

  /** Bytes a ring of `capacity` entries takes. */
  static bytesFor(capacity: number): number {
    return TRACE_EVENT_BYTES * capacity;
  }

  /** Bytes of storage (for the RAM budget). */
  bytes(): number {
    return this.times.byteLength + this.conns.byteLength + this.froms.byteLength + this.tos.byteLength + this.causes.byteLength;
  }

  /** Record one transition. */
  record(time: number, conn: number, from: number, to: number, cause: number): void {
    const cap = this.times.length;
    if (cap === 0) {
      this.total++;
      return;
    }
    const k = this.total % cap;
    this.times[k] = time;
    this.conns[k] = conn;
    this.froms[k] = from;
    this.tos[k] = to;
    this.causes[k] = cause;
    this.total++;
  }

  private index(k: number): number {
    const cap = this.times.length;
    const first = this.total < cap ? 0 : this.total % cap;
    return (first + k) % cap;
  }

  /** Time of entry k (0 = oldest held). */
  time(k: number): number { return this.times[this.index(k)]; }
  /** Connection handle of entry k. */
  conn(k: number): number { return this.conns[this.index(k)]; }
  /** State before, entry k. */
  from(k: number): number { return this.froms[this.index(k)]; }
  /** State after, entry k. */
  to(k: number): number { return this.tos[this.index(k)]; }
  /** CAUSE_* of entry k. */
  cause(k: number): number { return this.causes[this.index(k)]; }
}
