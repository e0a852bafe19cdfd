/**
 * A reusable, allocation-free bulk-transfer session between two stacks on an unthrottled
 * loopback line (no serialization delay, no latency): the workload of `npm run bench:host`;
 * with options, a paced lossy line (the loss-recovery zero-allocation test in test/tcp/).
 * Everything (stacks, buffers, closures) is made in `createHostSession`; each `transfer(n)`
 * opens a connection, moves n octets A -> B, closes, and allocates nothing of its own.
 */
import { createLink, Sim } from '../hal/loopback.js';
import { createStack } from '../src/stack.js';
import { EAGAIN } from '../src/errno.js';
import { parseAddr } from '../src/wire/ipv4.js';

export interface HostSession {
  /** Move n octets from A to B on a new connection; returns the octets B read (n if all went well). */
  transfer(n: number): number;
  /** The sum of every octet B read, mod 2^32 (a cheap check that the content flowed). */
  checksum(): number;
  /** The sender's (A's) counters, live (stats.CNT_*). */
  counters: Uint32Array;
}

/** The line and the stacks of a session; the defaults are bench:host's unthrottled lossless loopback. */
export interface HostSessionOptions {
  baud?: number;
  latencyMs?: number;
  /** Frame loss per direction (the loopback's seeded model). */
  loss?: number;
  mtu?: number;
  /** Send and receive ring per connection, octets. */
  rings?: number;
  tcpAckDelay?: number;
}

export function createHostSession(o: HostSessionOptions = {}): HostSession {
  // tickMs: 1 keeps virtual times whole (V8 boxes fractional numbers passed between functions).
  const link = createLink({ baud: o.baud ?? 1e12, latencyMs: o.latencyMs ?? 0, loss: o.loss ?? 0, seed: 1, slots: 256, maxFrame: 3002, tickMs: 1 });
  const rings = o.rings ?? 65535;
  const cfg = { mtu: o.mtu ?? 1500, tcpSndBuf: rings, tcpRcvBuf: rings, tcpConns: 2, msl: 1, tcpAckDelay: o.tcpAckDelay ?? 1 };
  const a = createStack({ ...cfg, addr: '192.168.190.1' }, link.a);
  const b = createStack({ ...cfg, addr: '192.168.190.2' }, link.b);
  const sim = new Sim(link);
  sim.add(function (t) { return a.poll(t); });
  sim.add(function (t) { return b.poll(t); });
  const dst = parseAddr('192.168.190.2') as number;
  const listener = b.tcpListen(5001, 1);
  const src = new Uint8Array(65536);
  for (let i = 0; i < src.length; i++) src[i] = (i * 131 + 7) & 0xff;
  const sink = new Uint8Array(65536);
  let total = 0;
  let sent = 0;
  let got = 0;
  let sum = 0;
  let conn = -1;
  let rconn = -1;
  let closed = false;
  const moving = function (): boolean {
    while (sent < total) {
      const chunk = total - sent < src.length ? total - sent : src.length;
      const k = a.tcpWrite(conn, src, 0, chunk);
      if (k <= 0) break;
      sent += k;
    }
    if (sent === total && !closed) {
      closed = true;
      a.tcpClose(conn);
    }
    if (rconn < 0) rconn = b.tcpAccept(listener);
    if (rconn >= 0) {
      for (;;) {
        const k = b.tcpRead(rconn, sink, 0, sink.length);
        if (k <= 0) {
          if (k !== -EAGAIN) {
            b.tcpClose(rconn);
            return false;
          }
          break;
        }
        for (let i = 0; i < k; i += 256) sum = (sum + sink[i]) | 0;
        got += k;
      }
    }
    return true;
  };
  const busy = function (): boolean { return a.tcpInUse() + b.tcpInUse() > 0; };
  return {
    transfer: function (n: number): number {
      total = n;
      sent = 0;
      got = 0;
      closed = false;
      rconn = -1;
      conn = a.tcpConnect(dst, 5001, 0);
      sim.runWhile(moving, Infinity);
      sim.runWhile(busy, Infinity);
      return got;
    },
    checksum: function (): number { return sum; },
    counters: a.counters,
  };
}
