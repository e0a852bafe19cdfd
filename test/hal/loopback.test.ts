import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { runChild } from '../../tools/alloc/child.js';
import { createLink, Sim, type Link, type LinkOptions } from '../../hal/loopback.js';
import { createStack } from '../../src/stack.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';
import { parseAddr } from '../../src/wire/ipv4.js';

/** One delivery seen by a receiver: when, and which bytes. */
interface Delivery {
  t: number;
  bytes: number[];
}

/** Record everything that reaches `end`'s receiver. */
function record(link: Link, end: 'a' | 'b'): Delivery[] {
  const log: Delivery[] = [];
  link[end].setReceiver((buf, off, len) => {
    log.push({ t: link.now(), bytes: Array.from(buf.subarray(off, off + len)) });
  });
  return log;
}

/** A frame of len bytes carrying a 32-bit sequence number in its first 4 bytes, the rest 0x41. */
function frame(seq: number, len: number): Uint8Array {
  const f = new Uint8Array(len).fill(0x41);
  f[0] = (seq >>> 24) & 0xff;
  f[1] = (seq >>> 16) & 0xff;
  f[2] = (seq >>> 8) & 0xff;
  f[3] = seq & 0xff;
  return f;
}

function seqOf(bytes: number[]): number {
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

/** Write `count` frames from a, one every `gapMs`, advancing the clock; then drain. */
function pump(opts: LinkOptions, count: number, len: number, gapMs: number) {
  const link = createLink(opts);
  const log = record(link, 'b');
  for (let i = 0; i < count; i++) {
    link.advance(i * gapMs);
    link.a.write(frame(i, len), 0, len);
  }
  link.advance(link.now() + 1e6);
  return { link, log };
}

describe('loopback timing', () => {
  it('a frame of N bytes at B baud with latency L arrives at N*10/B*1000 + L ms', () => {
    const link = createLink({ baud: 9600, latencyMs: 5 });
    const log = record(link, 'b');
    link.a.write(frame(0, 100), 0, 100);
    const expected = (100 * 10 / 9600) * 1000 + 5;
    expect(link.nextEvent()).toBeCloseTo(expected, 9);
    link.advance(expected - 0.001);
    expect(log).toHaveLength(0);
    link.advance(expected);
    expect(log).toHaveLength(1);
    expect(log[0].t).toBeCloseTo(expected, 9);
    expect(link.nextEvent()).toBe(Infinity);
  });

  it('back-to-back frames queue on the line; an idle line starts at the write time', () => {
    const link = createLink({ baud: 115200, latencyMs: 2 });
    const log = record(link, 'b');
    const d = (50 * 10 / 115200) * 1000;
    link.a.write(frame(0, 50), 0, 50);
    link.a.write(frame(1, 50), 0, 50);
    link.advance(100);
    link.a.write(frame(2, 50), 0, 50);
    link.advance(200);
    expect(log.map((x) => seqOf(x.bytes))).toEqual([0, 1, 2]);
    expect(log[0].t).toBeCloseTo(d + 2, 9);
    expect(log[1].t).toBeCloseTo(2 * d + 2, 9);
    expect(log[2].t).toBeCloseTo(100 + d + 2, 9);
    expect(link.now()).toBe(200);
  });

  it('the two directions are independent (full duplex) and delivered in time order', () => {
    const link = createLink({ baud: 10000, latencyMs: 1 }); // 1 ms per byte
    const order: string[] = [];
    link.a.setReceiver((buf, off, len) => { order.push('a' + len + '@' + link.now()); });
    link.b.setReceiver((buf, off, len) => { order.push('b' + len + '@' + link.now()); });
    link.a.write(frame(0, 10), 0, 10); // arrives at b at 11
    link.b.write(frame(0, 4), 0, 4); // arrives at a at 5
    link.b.write(frame(0, 4), 0, 4); // queued behind the first: arrives at 9
    expect(link.nextEvent()).toBe(5);
    link.advance(50);
    expect(order).toEqual(['a4@5', 'a4@9', 'b10@11']);
  });

  it('a ping round trip takes 2 * frame time + 2 * latency', () => {
    const link = createLink({ baud: 115200, latencyMs: 3 });
    // b echoes every frame straight back, from inside its receiver.
    link.b.setReceiver((buf, off, len) => link.b.write(buf, off, len));
    let rtt = -1;
    link.a.setReceiver(() => {
      rtt = link.now();
    });
    link.a.write(frame(0, 86), 0, 86);
    link.advance(1000);
    expect(rtt).toBeCloseTo(2 * (86 * 10 / 115200) * 1000 + 6, 9);
  });

  it('copies the frame at write time and never delivers from inside write', () => {
    const link = createLink({});
    const log = record(link, 'b');
    const f = frame(7, 8);
    link.a.write(f, 0, 8);
    expect(log).toHaveLength(0);
    f.fill(0);
    link.advance(10);
    expect(seqOf(log[0].bytes)).toBe(7);
    expect(log[0].bytes.slice(4)).toEqual([0x41, 0x41, 0x41, 0x41]);
  });

  it('respects off and len of the written buffer', () => {
    const link = createLink({});
    const log = record(link, 'b');
    const buf = new Uint8Array([9, 9, 1, 2, 3, 9]);
    link.a.write(buf, 2, 3);
    link.advance(10);
    expect(log[0].bytes).toEqual([1, 2, 3]);
    expect(link.stats.bytesA).toBe(3);
    expect(link.stats.framesA).toBe(1);
    expect(link.stats.framesB).toBe(0);
  });

  it('never moves the clock backwards', () => {
    const link = createLink({});
    link.advance(10);
    link.advance(5);
    expect(link.now()).toBe(10);
    expect(link.a.now()).toBe(10);
    expect(link.b.now()).toBe(10);
  });
});

describe('loopback rxChunk', () => {
  it('delivers each frame in chunks of rxChunk bytes, all at the arrival time', () => {
    const link = createLink({ rxChunk: 3 });
    const log = record(link, 'b');
    const f = frame(0x01020304, 10);
    link.a.write(f, 0, 10);
    link.advance(10);
    expect(log.map((x) => x.bytes.length)).toEqual([3, 3, 3, 1]);
    expect(log.flatMap((x) => x.bytes)).toEqual(Array.from(f));
    expect(new Set(log.map((x) => x.t)).size).toBe(1);
  });
});

describe('loopback overflow', () => {
  it('drops frames when every slot is busy, counts them, and frees slots on delivery', () => {
    const link = createLink({ slots: 4, baud: 10000 });
    const log = record(link, 'b');
    for (let i = 0; i < 6; i++) link.a.write(frame(i, 10), 0, 10);
    expect(link.stats.overflow).toBe(2);
    link.advance(1000);
    expect(log.map((x) => seqOf(x.bytes))).toEqual([0, 1, 2, 3]);
    // Overflowed frames were still sent, so they occupied the line: frame 3 arrived at 40 ms.
    expect(log[3].t).toBe(40);
    for (let i = 6; i < 10; i++) link.a.write(frame(i, 10), 0, 10);
    link.advance(2000);
    expect(link.stats.overflow).toBe(2);
    expect(log.map((x) => seqOf(x.bytes))).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
  });

  it('drops writes longer than maxFrame and counts them as oversize', () => {
    const link = createLink({ maxFrame: 16 });
    const log = record(link, 'b');
    link.a.write(frame(0, 17), 0, 17);
    link.a.write(frame(1, 16), 0, 16);
    link.advance(100);
    expect(link.stats.oversize).toBe(1);
    expect(log.map((x) => seqOf(x.bytes))).toEqual([1]);
  });
});

describe('loopback faults', () => {
  const N = 5000;
  // Binomial(5000, 0.1): mean 500, standard deviation 21; allow 5 sigma.
  const inRange = (x: number) => x > 394 && x < 606;

  it('loss: about 10% of 5000 frames are lost, the rest arrive once', () => {
    const { link, log } = pump({ loss: 0.1, seed: 3 }, N, 20, 2);
    expect(inRange(link.stats.lost)).toBe(true);
    expect(log).toHaveLength(N - link.stats.lost);
    const seqs = log.map((x) => seqOf(x.bytes));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('duplicate: about 10% of frames arrive twice, each copy after the original', () => {
    const { link, log } = pump({ duplicate: 0.1, seed: 4 }, N, 20, 2);
    expect(inRange(link.stats.duplicated)).toBe(true);
    expect(log).toHaveLength(N + link.stats.duplicated);
    const count = new Map<number, number>();
    for (const d of log) count.set(seqOf(d.bytes), (count.get(seqOf(d.bytes)) ?? 0) + 1);
    expect([...count.values()].filter((c) => c === 2)).toHaveLength(link.stats.duplicated);
    expect(count.size).toBe(N);
  });

  it('duplicates occupy the line a second time', () => {
    const link = createLink({ duplicate: 1, baud: 10000 });
    const log = record(link, 'b');
    link.a.write(frame(0, 10), 0, 10);
    link.a.write(frame(1, 10), 0, 10);
    link.advance(100);
    expect(log.map((x) => [seqOf(x.bytes), x.t])).toEqual([[0, 10], [0, 20], [1, 30], [1, 40]]);
  });

  it('reorder: about 10% of frames are held back and overtaken by the next one', () => {
    const { link, log } = pump({ reorder: 0.1, seed: 5 }, N, 20, 2);
    expect(inRange(link.stats.reordered)).toBe(true);
    expect(log).toHaveLength(N);
    const seqs = log.map((x) => seqOf(x.bytes));
    expect(new Set(seqs).size).toBe(N);
    let overtaken = 0;
    for (let i = 1; i < seqs.length; i++) if (seqs[i] < seqs[i - 1]) overtaken++;
    // A held frame whose successor is held too is not overtaken by it, so a few fewer.
    expect(overtaken).toBeGreaterThan(link.stats.reordered * 0.8);
    expect(overtaken).toBeLessThanOrEqual(link.stats.reordered);
  });

  it('reorder: a held frame with no successor is released after reorderHoldMs', () => {
    const link = createLink({ reorder: 1, baud: 10000, reorderHoldMs: 7 });
    const log = record(link, 'b');
    link.a.write(frame(0, 10), 0, 10);
    link.advance(100);
    expect(log.map((x) => x.t)).toEqual([17]);
  });

  it('reorder: the overtaking frame arrives on time and the held one right after it', () => {
    const link = createLink({ reorder: 0, baud: 10000 });
    const held = createLink({ reorder: 1, baud: 10000, reorderHoldMs: 1000 });
    // With reorder = 1 every frame is held; the first is released behind the second.
    const log = record(held, 'b');
    held.a.write(frame(0, 10), 0, 10);
    held.a.write(frame(1, 10), 0, 10);
    held.advance(25);
    expect(log.map((x) => [seqOf(x.bytes), x.t])).toEqual([[0, 20]]);
    held.advance(2000);
    expect(log.map((x) => [seqOf(x.bytes), x.t])).toEqual([[0, 20], [1, 1020]]);
    expect(link.stats.reordered).toBe(0);
  });

  it('bitFlip: about 10% of frames differ from the original in exactly one bit', () => {
    const { link, log } = pump({ bitFlip: 0.1, seed: 6 }, N, 20, 2);
    expect(inRange(link.stats.flipped)).toBe(true);
    let damaged = 0;
    for (let i = 0; i < log.length; i++) {
      const sent = frame(i, 20);
      let bits = 0;
      for (let k = 0; k < 20; k++) {
        let x = sent[k] ^ log[i].bytes[k];
        while (x) {
          bits += x & 1;
          x >>= 1;
        }
      }
      expect(bits === 0 || bits === 1).toBe(true);
      damaged += bits;
    }
    expect(damaged).toBe(link.stats.flipped);
  });

  it('slipDamage: about 10% of frames get a byte replaced by END/ESC or deleted', () => {
    const { link, log } = pump({ slipDamage: 0.1, seed: 8 }, N, 20, 2);
    expect(inRange(link.stats.damaged)).toBe(true);
    let replaced = 0;
    let deleted = 0;
    for (let i = 0; i < log.length; i++) {
      const sent = Array.from(frame(i, 20));
      const got = log[i].bytes;
      if (got.length === 19) {
        // Exactly one byte missing.
        let ok = false;
        for (let k = 0; k < 20 && !ok; k++) ok = [...sent.slice(0, k), ...sent.slice(k + 1)].join() === got.join();
        expect(ok).toBe(true);
        deleted++;
        continue;
      }
      const diff = got.map((b, k) => (b !== sent[k] ? k : -1)).filter((k) => k >= 0);
      if (diff.length === 0) continue;
      expect(diff).toHaveLength(1);
      expect([0xc0, 0xdb]).toContain(got[diff[0]]);
      replaced++;
    }
    expect(replaced + deleted).toBe(link.stats.damaged);
    expect(replaced).toBeGreaterThan(0);
    expect(deleted).toBeGreaterThan(0);
  });

  it('changing one probability does not reshuffle the other faults', () => {
    const a = pump({ bitFlip: 0.2, seed: 11 }, 500, 20, 2);
    const b = pump({ bitFlip: 0.2, reorder: 0.3, seed: 11 }, 500, 20, 2);
    const bySeq = (log: Delivery[]) => new Map(log.map((d) => [seqOf(d.bytes.map((x, k) => (k < 4 ? x : 0))), d.bytes.join()]));
    expect(a.link.stats.flipped).toBe(b.link.stats.flipped);
    // Flips land in the payload or the header; compare payload bytes of frames whose header survived.
    const ma = bySeq(a.log);
    const mb = bySeq(b.log);
    let same = 0;
    for (const [k, v] of ma) if (mb.get(k) === v) same++;
    expect(same).toBeGreaterThan(480);
  });
});

describe('loopback determinism', () => {
  const faults: LinkOptions = {
    loss: 0.05, duplicate: 0.05, reorder: 0.05, bitFlip: 0.05, slipDamage: 0.05, latencyMs: 1.5, rxChunk: 7,
  };

  /** Ping-pong with every fault on; the log is both directions' deliveries and the stats. */
  function run(seed: number): string {
    const link = createLink({ ...faults, seed });
    const out: string[] = [];
    link.b.setReceiver((buf, off, len) => {
      out.push('b ' + link.now() + ' ' + Array.from(buf.subarray(off, off + len)).join(','));
      link.b.write(buf, off, len);
    });
    link.a.setReceiver((buf, off, len) => {
      out.push('a ' + link.now() + ' ' + Array.from(buf.subarray(off, off + len)).join(','));
    });
    for (let i = 0; i < 500; i++) {
      link.a.write(frame(i, 20 + (i % 40)), 0, 20 + (i % 40));
      link.advance(link.now() + 3);
    }
    link.advance(1e6);
    out.push(JSON.stringify(link.stats), String(link.a.random32()), String(link.b.random32()));
    return out.join('\n');
  }

  it('same seed => identical delivered bytes and times with all faults on', () => {
    const first = run(42);
    expect(run(42)).toBe(first);
    expect(first.split('\n').length).toBeGreaterThan(900);
  });

  it('different seed => a different run', () => {
    expect(run(43)).not.toBe(run(42));
  });

  it('random32 is seeded, int32, and differs between the two ends', () => {
    const l1 = createLink({ seed: 9 });
    const l2 = createLink({ seed: 9 });
    const xs = [l1.a.random32(), l1.a.random32(), l1.b.random32()];
    expect([l2.a.random32(), l2.a.random32(), l2.b.random32()]).toEqual(xs);
    for (const x of xs) expect(x).toBe(x | 0);
    expect(xs[0]).not.toBe(xs[2]);
    expect(createLink({ seed: 10 }).a.random32()).not.toBe(xs[0]);
  });

  it('seed 0 works (xorshift has no zero state)', () => {
    const link = createLink({ seed: 0 });
    const x = link.a.random32();
    expect(x).not.toBe(0);
    expect(link.a.random32()).not.toBe(x);
  });
});

describe('loopback options', () => {
  it('rejects invalid options at creation', () => {
    expect(() => createLink({ baud: 0 })).toThrow();
    expect(() => createLink({ loss: 1.5 })).toThrow();
    expect(() => createLink({ slots: 0 })).toThrow();
    expect(() => createLink({ latencyMs: -1 })).toThrow();
  });
});

describe('Sim', () => {
  it('jumps to the earliest poller deadline or frame arrival and stops at untilMs', () => {
    const link = createLink({ baud: 10000, latencyMs: 0 });
    const sim = new Sim(link);
    const calls: number[] = [];
    let next = 10;
    sim.add((t) => {
      calls.push(t);
      if (t >= next) {
        link.a.write(frame(0, 5), 0, 5); // arrives 5 ms later
        next += 10;
      }
      return next;
    });
    const got: number[] = [];
    link.b.setReceiver(() => { got.push(link.now()); });
    sim.run(35);
    // Frames due exactly at untilMs are still delivered.
    expect(calls).toEqual([0, 10, 15, 20, 25, 30, 35]);
    expect(got).toEqual([15, 25, 35]);
    expect(link.now()).toBe(35);
  });

  it('polls every poller once at the start of each run', () => {
    const link = createLink({});
    const sim = new Sim(link);
    let a = 0;
    let b = 0;
    sim.add(() => {
      a++;
      return Infinity;
    });
    sim.add(() => {
      b++;
      return Infinity;
    });
    sim.run(100);
    sim.run(200);
    expect([a, b]).toEqual([2, 2]);
    expect(link.now()).toBe(200);
  });

  it('a poller returning <= now is polled again once at once, then time moves by 1 us steps', () => {
    const link = createLink({});
    const sim = new Sim(link);
    const calls: number[] = [];
    sim.add((t) => {
      calls.push(t);
      return t; // "poll me again now", forever
    });
    sim.run(0.0035);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(calls[0]).toBe(0);
    expect(calls[1]).toBe(0);
    expect(calls[2]).toBeCloseTo(0.001, 12);
    expect(link.now()).toBe(0.0035);
  });

  it('runWhile stops as soon as the condition is false, or returns false at the limit', () => {
    const link = createLink({ baud: 115200, latencyMs: 10 });
    link.b.setReceiver((buf, off, len) => link.b.write(buf, off, len));
    let replies = 0;
    link.a.setReceiver(() => { replies++; });
    const sim = new Sim(link);
    let sent = 0;
    sim.add((t) => {
      if (sent === 0) {
        link.a.write(frame(0, 20), 0, 20);
        sent = 1;
      }
      return Infinity;
    });
    expect(sim.runWhile(() => replies === 0, 1000)).toBe(true);
    expect(link.now()).toBeCloseTo(2 * (20 * 10 / 115200) * 1000 + 20, 9);
    expect(sim.runWhile(() => replies < 2, 500)).toBe(false);
    expect(link.now()).toBe(500);
  });

  it('run with nothing pending leaves the clock at untilMs', () => {
    const link = createLink({});
    const sim = new Sim(link);
    sim.run(1234.5);
    expect(link.now()).toBe(1234.5);
  });
});

describe('Sim and Hal.wake', () => {
  it('polls again when the condition used a stack API (wake): a timer started there, with nothing on the line, still fires', () => {
    // Found by a lossy transfer whose condition callback wrote into a zero window: the write
    // started the persist timer and sent nothing, the Sim held stale deadlines, saw nothing
    // pending and stopped with the connection stalled. Keepalive stages the same thing.
    const link = createLink({ baud: 115200, latencyMs: 1, seed: 3, tickMs: 1 });
    const a = createStack({ addr: '192.168.190.1', tcpKeepIdle: 1000 }, link.a);
    const b = createStack({ addr: '192.168.190.2' }, link.b);
    const sim = new Sim(link);
    sim.add((t) => a.poll(t));
    sim.add((t) => b.poll(t));
    b.tcpListen(7, 1);
    const c = a.tcpConnect(parseAddr('192.168.190.2')!, 7, 0);
    sim.runWhile(() => a.tcpState(c) !== C.ESTABLISHED, 10_000);
    expect(a.tcpState(c)).toBe(C.ESTABLISHED);
    sim.run(link.now() + 1000); // idle: no timer left anywhere
    let asked = false;
    const t0 = link.now();
    const stopped = sim.runWhile(() => {
      if (!asked) {
        asked = true;
        a.tcpSetKeepAlive(c, true); // starts the idle timer; nothing goes on the line
      }
      return a.counters[stats.CNT_TCP_KEEPALIVE_PROBES] < 1;
    }, t0 + 60_000);
    expect(stopped).toBe(true);
    expect(a.counters[stats.CNT_TCP_KEEPALIVE_PROBES]).toBe(1);
    expect(link.now() - t0).toBe(1000);
  });
});

describe('loopback allocation', () => {
  // In a child process of its own (tools/alloc/child.ts) with a 1 MiB young generation: in the
  // shared test worker, other files' garbage made this fail now and then.
  it('carries 20,000 round trips through Sim without a garbage collection', () => {
    const r = runChild(join(__dirname, 'loopback-gc.child.ts'));
    expect(r.replies).toBe(20000);
    // 100,000 frames each way would be plenty of garbage if anything were allocated per frame.
    expect(r.frames).toBe(4 * 20000);
    expect(r.gcs, 'gc kinds: ' + (r.kinds as string[]).join(',') + ' after ' + r.warm + ' warm-up batches').toBe(0);
  });
});
