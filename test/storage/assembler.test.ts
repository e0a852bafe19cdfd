import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Assembler } from '../../src/storage/assembler.js';
import { Ring } from '../../src/storage/ring.js';

const ranges = (a: Assembler) => [...Array(a.count).keys()].map((k) => [a.start(k), a.end(k)]);

describe('Assembler', () => {
  it('merges overlapping and touching ranges and keeps them sorted', () => {
    const a = new Assembler(4);
    a.add(20, 30);
    a.add(50, 60);
    a.add(10, 15);
    expect(ranges(a)).toEqual([[10, 15], [20, 30], [50, 60]]);
    a.add(15, 20); // touches both neighbours
    expect(ranges(a)).toEqual([[10, 30], [50, 60]]);
    a.add(25, 55); // overlaps both
    expect(ranges(a)).toEqual([[10, 60]]);
  });

  it('refuses a range that would need a fifth hole, but still merges into existing ones', () => {
    const a = new Assembler(2);
    expect(a.add(10, 20)).toBe(true);
    expect(a.add(30, 40)).toBe(true);
    expect(a.add(50, 60)).toBe(false);
    expect(a.add(35, 45)).toBe(true);
    expect(ranges(a)).toEqual([[10, 20], [30, 45]]);
  });

  it('advances RCV.NXT through the ranges the new data joins', () => {
    const a = new Assembler(4);
    a.add(10, 20);
    a.add(30, 40);
    expect(a.advance(5)).toBe(5);
    expect(a.advance(10)).toBe(20);
    expect(ranges(a)).toEqual([[30, 40]]);
    expect(a.advance(35)).toBe(40);
    expect(a.count).toBe(0);
  });

  it('works across the 2^32 wrap', () => {
    const a = new Assembler(4);
    a.add(-10, 5); // 0xfffffff6 .. 5
    a.add(-30, -20);
    expect(ranges(a)).toEqual([[-30, -20], [-10, 5]]);
    expect(a.advance(-20)).toBe(-20);
    expect(a.advance(-10)).toBe(5);
  });

  it('reassembles any arrival order of segments exactly (model check with a ring)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(199), fc.integer({ min: 1, max: 40 })), { maxLength: 30 }), fc.integer({ min: -5000, max: 5000 }), (segs, isn) => {
      const data = Uint8Array.from({ length: 240 }, (_, i) => (i * 31 + 7) & 0xff);
      const ring = new Ring(new Uint8Array(256));
      const asm = new Assembler(4);
      let nxt = isn | 0;
      const all = [...segs, [0, 240] as [number, number]];
      for (const [off, len0] of all) {
        const len = Math.min(len0, 240 - off);
        const seq = (isn + off) | 0;
        const rel = (seq - nxt) | 0;
        if (rel + len <= 0) continue; // old
        if (rel > 0) {
          ring.writeAt(rel, data, off, len);
          asm.add(seq, (seq + len) | 0);
        } else {
          const skip = -rel;
          ring.write(data, off + skip, len - skip);
          nxt = (nxt + len - skip) | 0;
          const joined = asm.advance(nxt);
          ring.commit((joined - nxt) | 0);
          nxt = joined;
        }
      }
      const out = new Uint8Array(240);
      expect(ring.read(out, 0, 240)).toBe(240);
      expect(out).toEqual(data);
      expect(nxt).toBe((isn + 240) | 0);
    }));
  });
});
