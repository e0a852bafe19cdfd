import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRing, ringWrite, ringWriteAt, ringCommit, ringPeek, ringDiscard, ringRead, ringFree } from '../../src/storage/ring.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('Ring', () => {
  it('keeps to its own part of a shared buffer', () => {
    const shared = new Uint8Array(12).fill(0xee);
    const r = createRing(shared, 4, 4);
    expect(ringWrite(r, bytes(1, 2, 3), 0, 3)).toBe(3);
    expect(ringDiscard(r, 2)).toBe(2);
    expect(ringWrite(r, bytes(4, 5, 6), 0, 3)).toBe(3); // wraps inside [4, 8)
    expect([...shared]).toEqual([0xee, 0xee, 0xee, 0xee, 5, 6, 3, 4, 0xee, 0xee, 0xee, 0xee]);
    const out = new Uint8Array(4);
    expect(ringRead(r, out, 0, 4)).toBe(4);
    expect([...out]).toEqual([3, 4, 5, 6]);
  });

  it('copies in and out in order, limited by capacity', () => {
    const r = createRing(new Uint8Array(4), 0, 4);
    expect(ringWrite(r, bytes(1, 2, 3, 4, 5, 6), 0, 6)).toBe(4);
    expect(ringFree(r)).toBe(0);
    expect(ringWrite(r, bytes(9), 0, 1)).toBe(0);
    const out = new Uint8Array(6);
    expect(ringRead(r, out, 1, 6)).toBe(4);
    expect([...out]).toEqual([0, 1, 2, 3, 4, 0]);
    expect(r.len).toBe(0);
  });

  it('wraps around on write, peek and read', () => {
    const r = createRing(new Uint8Array(5), 0, 5);
    ringWrite(r, bytes(1, 2, 3), 0, 3);
    expect(ringDiscard(r, 2)).toBe(2); // head = 2, one byte stored
    expect(ringWrite(r, bytes(4, 5, 6, 7), 0, 4)).toBe(4); // wraps: tail crosses the end
    expect(r.head).toBe(2);
    const out = new Uint8Array(5);
    expect(ringPeek(r, out, 0, 0, 5)).toBe(5);
    expect([...out]).toEqual([3, 4, 5, 6, 7]);
    expect(r.len).toBe(5); // peek consumed nothing
    const mid = new Uint8Array(3);
    expect(ringPeek(r, mid, 0, 2, 3)).toBe(3); // starts past the wrap point
    expect([...mid]).toEqual([5, 6, 7]);
    expect(ringRead(r, out, 0, 5)).toBe(5);
    expect([...out]).toEqual([3, 4, 5, 6, 7]);
  });

  it('peek past the stored bytes returns what there is, never more', () => {
    const r = createRing(new Uint8Array(8), 0, 8);
    ringWrite(r, bytes(1, 2, 3), 0, 3);
    const out = new Uint8Array(8).fill(0xee);
    expect(ringPeek(r, out, 0, 1, 8)).toBe(2);
    expect([...out.slice(0, 3)]).toEqual([2, 3, 0xee]);
    expect(ringPeek(r, out, 0, 3, 1)).toBe(0);
    expect(ringPeek(r, out, 0, 9, 1)).toBe(0);
  });

  it('discard never takes more than is stored', () => {
    const r = createRing(new Uint8Array(4), 0, 4);
    ringWrite(r, bytes(1, 2, 3), 0, 3);
    expect(ringDiscard(r, 10)).toBe(3);
    expect(ringDiscard(r, 1)).toBe(0);
  });

  it('bytes parked with writeAt survive the readable part being drained to empty', () => {
    // TCP parks out-of-order data past the readable end; the application may read everything
    // before the hole fills. (A ring that re-based its head when empty lost those bytes.)
    const r = createRing(new Uint8Array(8), 0, 8);
    ringWrite(r, bytes(1, 2, 3), 0, 3);
    expect(ringWriteAt(r, 2, bytes(6, 7), 0, 2)).toBe(2); // bytes 4, 5 are the hole
    const out = new Uint8Array(8);
    expect(ringRead(r, out, 0, 8)).toBe(3);
    expect(r.len).toBe(0);
    ringWrite(r, bytes(4, 5), 0, 2); // the hole fills
    expect(ringCommit(r, 2)).toBe(2);
    expect(ringRead(r, out, 0, 8)).toBe(4);
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
        const r = createRing(new Uint8Array(cap), 0, cap);
        const model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.k === 'w') {
            const src = new Uint8Array(o.n + 3);
            for (let i = 0; i < o.n; i++) src[i + 3] = (next + i) & 0xff;
            const n = ringWrite(r, src, 3, o.n);
            expect(n).toBe(Math.min(o.n, cap - model.length));
            for (let i = 0; i < n; i++) model.push((next + i) & 0xff);
            next += n;
          } else if (o.k === 'r') {
            const dst = new Uint8Array(o.n);
            const n = ringRead(r, dst, 0, o.n);
            expect([...dst.slice(0, n)]).toEqual(model.splice(0, n));
          } else if (o.k === 'p') {
            const dst = new Uint8Array(o.n);
            const n = ringPeek(r, dst, 0, o.at, o.n);
            expect([...dst.slice(0, n)]).toEqual(model.slice(o.at, o.at + o.n));
          } else {
            expect(ringDiscard(r, o.n)).toBe(Math.min(o.n, model.length));
            model.splice(0, o.n);
          }
          expect(r.len).toBe(model.length);
          expect(ringFree(r)).toBe(cap - model.length);
        }
      }),
    );
  });
});
