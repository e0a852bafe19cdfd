/**
 * One TCP connection between two stacks over the loopback link, carrying data both ways at
 * once, on the virtual clock: the shared engine of `npm run bench:duplex` and the deadlock
 * tests (test/tcp/deadlock.test.ts).
 *
 * Stack a connects to stack b; from the moment the connection is up, each side writes its
 * own payload whenever its send ring has room and reads whatever arrives, driven by the
 * stack's events. A side that has written everything shuts down its sending half; a side
 * that has read the peer's FIN and written everything closes. The run is over when both
 * have read end-of-stream. Every octet is compared, then the run goes on until both
 * connection tables are empty (TIME-WAIT included).
 */
import { createLink, Sim } from '../hal/loopback.js';
import type { LinkOptions } from '../hal/loopback.js';
import { createStack } from '../src/stack.js';
import type { Stack } from '../src/stack.js';
import type { StackConfig } from '../src/config.js';
import * as C from '../src/tcp/constants.js';
import * as stats from '../src/stats.js';
import { parseAddr } from '../src/wire/ipv4.js';
import { payload } from './transfer.js';

/** The bad line of issue 9's done-when: 10% loss, 5% duplication, 10% reordering (add a seed). */
export const BAD_LINE = { baud: 115200, latencyMs: 5, tickMs: 1, loss: 0.1, duplicate: 0.05, reorder: 0.1 };

export interface DuplexResult {
  /** Both sides read exactly what the other wrote, and then end-of-stream. */
  ok: boolean;
  /** Octets a read from b, and b from a. */
  gotA: number;
  gotB: number;
  /** Virtual ms from the connect call until both sides read end-of-stream (or the limit). */
  ms: number;
  /** Both connection tables are empty at the end (TIME-WAIT over). */
  clean: boolean;
  /** How each side's connection ended (REASON_*, 0 if it had not). */
  reasonA: number;
  reasonB: number;
  retransmits: number;
  timeouts: number;
  /** Frames the link lost, duplicated and reordered. */
  lost: number;
  duplicated: number;
  reordered: number;
}

/** One side of the exchange. */
class Side {
  stack: Stack;
  conn: number;
  out: Uint8Array;
  sent: number;
  shut: boolean;
  /** What the peer is expected to send, and how much of it arrived intact so far. */
  want: Uint8Array;
  got: number;
  bad: boolean;
  eof: boolean;
  closed: boolean;
  reason: number;
  scratch: Uint8Array;

  constructor(stack: Stack, out: Uint8Array, want: Uint8Array) {
    this.stack = stack;
    this.conn = -1;
    this.out = out;
    this.sent = 0;
    this.shut = false;
    this.want = want;
    this.got = 0;
    this.bad = false;
    this.eof = false;
    this.closed = false;
    this.reason = 0;
    this.scratch = new Uint8Array(2048);
  }

  /** Write what the send ring takes, read what is there, half-close and close when due. */
  service(): void {
    const s = this.stack;
    const c = this.conn;
    if (c < 0 || this.closed) return;
    const st = s.tcpState(c);
    if (st === C.SYN_SENT || st === C.SYN_RECEIVED) return;
    if (st === C.CLOSED) {
      this.closed = true;
      s.tcpClose(c);
      return;
    }
    while (!this.shut && this.sent < this.out.length) {
      const n = s.tcpWrite(c, this.out, this.sent, this.out.length - this.sent);
      if (n <= 0) break;
      this.sent += n;
    }
    if (!this.shut && this.sent === this.out.length) {
      this.shut = true;
      s.tcpShutdown(c);
    }
    for (;;) {
      const n = s.tcpRead(c, this.scratch, 0, this.scratch.length);
      if (n > 0) {
        for (let k = 0; k < n; k++) {
          if (this.got + k >= this.want.length || this.scratch[k] !== this.want[this.got + k]) this.bad = true;
        }
        this.got += n;
        continue;
      }
      if (n === 0) this.eof = true;
      break;
    }
    if (this.eof && this.shut && !this.closed) {
      this.closed = true;
      s.tcpClose(c);
    }
  }
}

/**
 * Move `sizeA` octets from a to b and `sizeB` from b to a over one connection, both at once,
 * on a fresh link. `limitMs` bounds the virtual time of the exchange.
 */
export function duplex(sizeA: number, sizeB: number, cfg: StackConfig, link: LinkOptions, limitMs: number): DuplexResult {
  const l = createLink(link);
  const a = createStack({ ...cfg, addr: '192.168.190.1' }, l.a);
  const b = createStack({ ...cfg, addr: '192.168.190.2' }, l.b);
  const sim = new Sim(l);
  sim.add((t) => a.poll(t));
  sim.add((t) => b.poll(t));
  const dataA = payload(sizeA, 0x5eed + sizeA);
  const dataB = payload(sizeB, 0xfeed + sizeB);
  const sa = new Side(a, dataA, dataB);
  const sb = new Side(b, dataB, dataA);
  b.tcpListen(5001, 1, (h, e, d) => {
    if (e === C.EV_ACCEPTABLE) {
      if (sb.conn < 0) sb.conn = b.tcpAccept(h);
    } else if (e === C.EV_CLOSED && h === sb.conn) {
      sb.reason = d;
    }
    sb.service();
  });
  const t0 = l.now();
  sa.conn = a.tcpConnect(parseAddr('192.168.190.2')!, 5001, 0, (h, e, d) => {
    if (e === C.EV_CLOSED) sa.reason = d;
    if (h === sa.conn) sa.service();
  });
  const done = () => (sa.eof && sb.eof) || (sa.closed && sb.closed);
  sim.runWhile(() => !done(), t0 + limitMs);
  const ms = l.now() - t0;
  // Let the closes finish and TIME-WAIT expire: bounded by 2·MSL plus R2 plus slack.
  const bound = l.now() + 2 * (cfg.msl ?? 120000) + (cfg.tcpR2 ?? 100000) + 60000;
  sim.runWhile(() => a.tcpInUse() + b.tcpInUse() > 0, bound);
  return {
    ok: sa.eof && sb.eof && !sa.bad && !sb.bad && sa.got === sizeB && sb.got === sizeA,
    gotA: sa.got,
    gotB: sb.got,
    ms,
    clean: a.tcpInUse() === 0 && b.tcpInUse() === 0,
    reasonA: sa.reason,
    reasonB: sb.reason,
    retransmits: a.counters[stats.CNT_TCP_RETRANSMITS] + b.counters[stats.CNT_TCP_RETRANSMITS],
    timeouts: a.counters[stats.CNT_TCP_RTO_TIMEOUTS] + b.counters[stats.CNT_TCP_RTO_TIMEOUTS],
    lost: l.stats.lost,
    duplicated: l.stats.duplicated,
    reordered: l.stats.reordered,
  };
}

