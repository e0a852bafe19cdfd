/**
 * One bulk TCP transfer between two stacks over the loopback link, on the virtual clock:
 * the shared engine of `npm run bench:link`, `bench:host` and the soak test.
 *
 * The sender writes whenever its send ring has room, the receiver reads whenever data is
 * there, both driven by the stack's events; the transfer ends when the receiver has read
 * the peer's FIN. Returns what arrived (its SHA-256), how long it took, and the counters.
 */
import { createHash } from 'node:crypto';
import { createLink, Sim } from '../hal/loopback.js';
import type { LinkOptions } from '../hal/loopback.js';
import { createStack } from '../src/stack.js';
import type { StackConfig } from '../src/config.js';
import * as C from '../src/tcp/constants.js';
import { EAGAIN } from '../src/errno.js';
import * as stats from '../src/stats.js';
import { parseAddr } from '../src/wire/ipv4.js';

export interface TransferResult {
  ok: boolean;
  bytes: number;
  /** Virtual ms from the connect call to the receiver reading EOF. */
  ms: number;
  sentSha: string;
  gotSha: string;
  retransmits: number;
  timeouts: number;
  fastRetransmits: number;
  /** Both stacks' connection tables are empty once TIME-WAIT is over. */
  clean: boolean;
  /** What the receiver read (for diagnosing a mismatch). */
  received: Uint8Array;
  /** Slot states left on each side (for diagnosing an unclean table). */
  left: string;
}

/** Deterministic payload bytes (xorshift32), the same for a given seed. */
export function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Send `data` from stack A to stack B (or B to A with reverse) over a fresh link.
 * limitMs bounds the virtual time: a transfer still running then counts as stuck (ok = false).
 */
export function transfer(data: Uint8Array, cfg: StackConfig, link: LinkOptions, reverse: boolean, limitMs: number): TransferResult {
  const l = createLink(link);
  const a = createStack({ ...cfg, addr: '192.168.190.1' }, l.a);
  const b = createStack({ ...cfg, addr: '192.168.190.2' }, l.b);
  const sim = new Sim(l);
  sim.add((t) => a.poll(t));
  sim.add((t) => b.poll(t));
  const sender = reverse ? b : a;
  const receiver = reverse ? a : b;
  const receiverAddr = parseAddr(reverse ? '192.168.190.1' : '192.168.190.2')!;
  const listener = receiver.tcpListen(5001, 1);
  const got = new Uint8Array(data.length);
  let gotLen = 0;
  let eof = false;
  let rconn = -1;
  let sent = 0;
  let shut = false;
  const scratch = new Uint8Array(4096);
  const conn = sender.tcpConnect(receiverAddr, 5001, 0);
  const pump = () => {
    while (sent < data.length) {
      const n = sender.tcpWrite(conn, data, sent, data.length - sent);
      if (n <= 0) break;
      sent += n;
    }
    if (sent === data.length && !shut && sender.tcpState(conn) !== C.SYN_SENT) {
      shut = true;
      sender.tcpClose(conn);
    }
  };
  const drain = () => {
    if (rconn < 0) rconn = receiver.tcpAccept(listener);
    if (rconn < 0) return;
    for (;;) {
      const n = receiver.tcpRead(rconn, scratch, 0, scratch.length);
      if (n > 0) {
        if (gotLen + n <= got.length) got.set(scratch.subarray(0, n), gotLen);
        gotLen += n;
        continue;
      }
      if (n !== -EAGAIN) {
        eof = true;
        receiver.tcpClose(rconn);
      }
      break;
    }
  };
  sender.onTcp((c, e) => { if (c === conn && (e === C.EV_WRITABLE || e === C.EV_CONNECTED)) pump(); });
  receiver.onTcp((_c, e) => { if (e === C.EV_READABLE || e === C.EV_ACCEPTABLE) drain(); });
  const t0 = l.now();
  pump();
  sim.runWhile(() => { if (!eof) drain(); return !eof; }, t0 + limitMs);
  const ms = l.now() - t0;
  // Let the closes finish and TIME-WAIT expire. On a bad line a LAST-ACK may wait out a
  // backed-off RTO (or, at worst, R2), so wait for empty tables with that bound.
  const bound = l.now() + 2 * (cfg.msl ?? 120000) + (cfg.tcpR2 ?? 100000) + 60000;
  sim.runWhile(() => a.tcpInUse() + b.tcpInUse() > 0, bound);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const sentSha = sha(data);
  const gotSha = sha(got.subarray(0, Math.min(gotLen, got.length)));
  return {
    ok: eof && gotLen === data.length && sentSha === gotSha,
    bytes: gotLen,
    ms,
    sentSha,
    gotSha,
    retransmits: sender.counters[stats.CNT_TCP_RETRANSMITS],
    timeouts: sender.counters[stats.CNT_TCP_RTO_TIMEOUTS],
    fastRetransmits: sender.counters[stats.CNT_TCP_FAST_RETRANSMITS],
    clean: a.tcpInUse() === 0 && b.tcpInUse() === 0,
    received: got.subarray(0, Math.min(gotLen, got.length)),
    left: 'a ' + Array.from(a.tcpStates()).map((x) => C.STATE_NAMES[x]).join(',') + ' b ' + Array.from(b.tcpStates()).map((x) => C.STATE_NAMES[x]).join(','),
  };
}
