/**
 * Two stacks on the loopback link (like test/tcp/pair.ts), with a hand on the line: a
 * predicate sees every TCP segment either end writes and may drop it before it reaches the
 * line. Tests use it to lose exactly the segments a scenario needs (the pure ACKs of one
 * exchange, say), on top of the link's own seeded faults. Test-only: allocates per frame.
 */
import { createLink, Sim } from '../../hal/loopback.js';
import type { Link, LinkOptions } from '../../hal/loopback.js';
import type { Hal } from '../../src/hal.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import { SlipDecoder } from '../../src/wire/slip.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import { parseAddr } from '../../src/wire/ipv4.js';

/** A TCP segment as the filter sees it (seq and ack absolute, as unsigned numbers). */
export interface SegView {
  /** 'a' if stack a sent it, 'b' if b did. */
  from: 'a' | 'b';
  flags: number;
  seq: number;
  ack: number;
  window: number;
  /** Payload octets. */
  len: number;
  /** The link's clock when it was written. */
  t: number;
}

/** Return true to drop the segment. */
export type Dropper = (s: SegView) => boolean;

export interface LossyPair {
  a: Stack;
  b: Stack;
  sim: Sim;
  link: Link;
  now(): number;
  addrA: number;
  addrB: number;
  /** Every TCP segment written by either end, dropped or not, in order. */
  log: (SegView & { dropped: boolean })[];
}

/** Wrap one end of the link: decode each frame, ask `drop`, and pass it on or not. */
function filtered(inner: Hal, from: 'a' | 'b', mtu: number, drop: Dropper, log: LossyPair['log'], now: () => number): Hal {
  let keep = true;
  let view: SegView | null = null;
  const dec = new SlipDecoder(mtu, (buf, len) => {
    view = null;
    if (len < 40 || buf[9] !== ipv4.PROTO_TCP) return;
    const t = 20;
    const hl = (buf[t + 12] >> 4) * 4;
    view = {
      from,
      flags: buf[t + 13],
      seq: ((buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7]) >>> 0,
      ack: ((buf[t + 8] << 24) | (buf[t + 9] << 16) | (buf[t + 10] << 8) | buf[t + 11]) >>> 0,
      window: (buf[t + 14] << 8) | buf[t + 15],
      len: len - t - hl,
      t: now(),
    };
  });
  return {
    write(buf, off, len) {
      view = null;
      dec.push(buf, off, len);
      keep = true;
      if (view !== null) {
        const v: SegView = view;
        keep = !drop(v);
        log.push({ ...v, dropped: !keep });
      }
      if (keep) inner.write(buf, off, len);
    },
    setReceiver(rx) { inner.setReceiver(rx); },
    now() { return inner.now(); },
    random32() { return inner.random32(); },
    wake() { if (inner.wake) inner.wake(); },
  };
}

/** Two stacks a (192.168.190.1) and b (192.168.190.2) on a link whose TCP segments pass `drop` first. */
export function lossyPair(cfg: StackConfig, link: LinkOptions, drop: Dropper): LossyPair {
  const l = createLink({ baud: 115200, latencyMs: 1, seed: 1, tickMs: 1, ...link });
  const log: LossyPair['log'] = [];
  const mtu = cfg.mtu ?? 296;
  const a = createStack({ ...cfg, addr: '192.168.190.1' }, filtered(l.a, 'a', mtu, drop, log, () => l.now()));
  const b = createStack({ ...cfg, addr: '192.168.190.2' }, filtered(l.b, 'b', mtu, drop, log, () => l.now()));
  const sim = new Sim(l);
  sim.add((t) => a.poll(t));
  sim.add((t) => b.poll(t));
  return { a, b, sim, link: l, now: () => l.now(), addrA: parseAddr('192.168.190.1')!, addrB: parseAddr('192.168.190.2')!, log };
}
