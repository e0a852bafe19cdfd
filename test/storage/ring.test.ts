import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ring } from '../../src/storage/ring.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('Ring', () => {
  it('copies in and out in order, limited by capacity', () => {
    const r = new Ring(new Uint8Array(4));
    expect(r.write(bytes(1, 2, 3, 4, 5, 6), 0, 6)).toBe(4);
    expect(r.free()).toBe(0);
    expect(r.write(bytes(9), 0, 1)).toBe(0);
    const out = new Uint8Array(6);
    expect(r.read(out, 1, 6)).toBe(4);
    expect([...out]).toEqual([0, 1, 2, 3, 4, 0]);
    expect(r.len).toBe(0);
  });

  it('wraps around on write, peek and read', () => {
    const r = new Ring(new Uint8Array(5));
    r.write(bytes(1, 2, 3), 0, 3);
    expect(r.discard(2)).toBe(2); // head = 2, one byte stored
    expect(r.write(bytes(4, 5, 6, 7), 0, 4)).toBe(4); // wraps: tail crosses the end
    expect(r.head).toBe(2);
    const out = new Uint8Array(5);
    expect(r.peek(out, 0, 0, 5)).toBe(5);
    expect([...out]).toEqual([3, 4, 5, 6, 7]);
    expect(r.len).toBe(5); // peek consumed nothing
    const mid = new Uint8Array(3);
    expect(r.peek(mid, 0, 2, 3)).toBe(3); // starts past the wrap point
    expect([...mid]).toEqual([5, 6, 7]);
    expect(r.read(out, 0, 5)).toBe(5);
    expect([...out]).toEqual([3, 4, 5, 6, 7]);
  });

  it('peek past the stored bytes returns what there is, never more', () => {
    const r = new Ring(new Uint8Array(8));
    r.write(bytes(1, 2, 3), 0, 3);
    const out = new Uint8Array(8).fill(0xee);
    expect(r.peek(out, 0, 1, 8)).toBe(2);
    expect([...out.slice(0, 3)]).toEqual([2, 3, 0xee]);
    expect(r.peek(out, 0, 3, 1)).toBe(0);
    expect(r.peek(out, 0, 9, 1)).toBe(0);
  });

  it('discard never takes more than is stored', () => {
    const r = new Ring(new Uint8Array(4));
    r.write(bytes(1, 2, 3), 0, 3);
    expect(r.discard(10)).toBe(3);
    expect(r.discard(1)).toBe(0);
  });

  it('bytes parked with writeAt survive the readable part being drained to empty', () => {
    // TCP parks out-of-order data past the readable end; the application may read everything
    // before the hole fills. (A ring that re-based its head when empty lost those bytes.)
    const r = new Ring(new Uint8Array(8));
    r.write(bytes(1, 2, 3), 0, 3);
    expect(r.writeAt(2, bytes(6, 7), 0, 2)).toBe(2); // bytes 4, 5 are the hole
    const out = new Uint8Array(8);
    expect(r.read(out, 0, 8)).toBe(3);
    expect(r.len).toBe(0);
    r.write(bytes(4, 5), 0, 2); // the hole fills
    expect(r.commit(2)).toBe(2);
    expect(r.read(out, 0, 8)).toBe(4);
    expect([...out.slice(0, 4)]).toEqual([4, 5, 6, 7]);
  });

  it('behaves like a FIFO queue under any sequence of operations (model check)', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('w' as const), n: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('r' as const), n: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('p' as const), n: fc.integer({ min: 0, max: 40 }), at: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('d' as const), n: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 33 }), fc.array(op, { maxLength: 60 }), (cap, ops) => {
        const r = new Ring(new Uint8Array(cap));
        const model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.k === 'w') {
            const src = new Uint8Array(o.n + 3);
            for (let i = 0; i < o.n; i++) src[i + 3] = (next + i) & 0xff;
            const n = r.write(src, 3, o.n);
            expect(n).toBe(Math.min(o.n, cap - model.length));
            for (let i = 0; i < n; i++) model.push((next + i) & 0xff);
            next += n;
          } else if (o.k === 'r') {
            const dst = new Uint8Array(o.n);
            const n = r.read(dst, 0, o.n);
            expect([...dst.slice(0, n)]).toEqual(model.splice(0, n));
          } else if (o.k === 'p') {
            const dst = new Uint8Array(o.n);
            const n = r.peek(dst, 0, o.at, o.n);
            expect([...dst.slice(0, n)]).toEqual(model.slice(o.at, o.at + o.n));
          } else {
            expect(r.discard(o.n)).toBe(Math.min(o.n, model.length));
            model.splice(0, o.n);
          }
          expect(r.len).toBe(model.length);
          expect(r.free()).toBe(cap - model.length);
        }
      }),
    );
  });
});
