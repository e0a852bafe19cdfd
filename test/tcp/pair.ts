/**
 * Two stacks joined by the loopback link on a virtual clock, for TCP tests and benches:
 * `a` (192.168.190.1, the "host") and `b` (192.168.190.2, the "board").
 */
import { createLink, Sim } from '../../hal/loopback.js';
import type { Link, LinkOptions } from '../../hal/loopback.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import { parseAddr } from '../../src/wire/ipv4.js';

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
