/**
 * Two stacks joined by the loopback link on a virtual clock, for TCP tests and benches:
 * `a` (192.168.190.1, the "host") and `b` (192.168.190.2, the "board"), and the shared fixture
 * that connects them (`connectPair`).
 */
import { createLink, Sim } from '../../hal/loopback.js';
import type { Link, LinkOptions } from '../../hal/loopback.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import { parseAddr } from '../../src/wire/ipv4.js';
import * as C from '../../src/tcp/constants.js';

export interface Pair {
  a: Stack;
  b: Stack;
  sim: Sim;
  /** The line itself: writing to link.a puts raw frames on the wire towards b (spoofing). */
  link: Link;
  now(): number;
  addrA: number;
  addrB: number;
}

export function createPair(cfg: StackConfig = {}, link: LinkOptions = {}): Pair {
  const l = createLink({ baud: 115200, latencyMs: 1, seed: 1, tickMs: 1, ...link });
  const a = createStack({ ...cfg, addr: '192.168.190.1' }, l.a);
  const b = createStack({ ...cfg, addr: '192.168.190.2' }, l.b);
  const sim = new Sim(l);
  sim.add((t) => a.poll(t));
  sim.add((t) => b.poll(t));
  return { a, b, sim, link: l, now: () => l.now(), addrA: parseAddr('192.168.190.1')!, addrB: parseAddr('192.168.190.2')! };
}

/** A connection `connectPair` made: a's handle, b's accepted handle, b's listener. */
export interface PairConn {
  c: number;
  s: number;
  l: number;
}

/**
 * a connects to b's port (a new listener there unless `l` is given) and b accepts: both ends
 * ESTABLISHED (a's final ACK may still be on the line when a gets there, so the run goes on
 * until b has accepted). Throws, naming the states, if that takes more than 5 s of virtual time.
 */
export function connectPair(p: Pair, port = 80, l = -1): PairConn {
  const listener = l >= 0 ? l : p.b.tcpListen(port, 2);
  const c = p.a.tcpConnect(p.addrB, port, 0);
  let s = -1;
  p.sim.runWhile(() => (s = p.b.tcpAccept(listener)) < 0, p.now() + 5000);
  if (s < 0 || p.a.tcpState(c) !== C.ESTABLISHED || p.b.tcpState(s) !== C.ESTABLISHED) {
    throw new Error('connectPair: a ' + C.STATE_NAMES[p.a.tcpState(c)] + ', b accepted ' + s);
  }
  return { c, s, l: listener };
}
