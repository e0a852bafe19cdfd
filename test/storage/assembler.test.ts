import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as A from '../../src/storage/assembler.js';
import { createRing, ringWrite, ringWriteAt, ringCommit, ringRead } from '../../src/storage/ring.js';

/**
 * One assembler block of capacity `cap` inside a larger Int32Array, at a base that is not 0
 * (as a connection table holds them), with guard words around it that must never change.
 */
function block(cap: number) {
  const base = 3;
  const words = A.asmWords(cap);
  const arr = new Int32Array(base + words + 3).fill(0x5a5a5a5a);
  const a = arr;
  A.asmClear(a, base);
  const guards = () => {
    for (let k = 0; k < base; k++) expect(arr[k]).toBe(0x5a5a5a5a);
    for (let k = base + words; k < arr.length; k++) expect(arr[k]).toBe(0x5a5a5a5a);
  };
  return {
    get count() { guards(); return a[base]; },
    add: (s: number, e: number) => A.asmAdd(a, base, cap, s, e),
    advance: (n: number) => A.asmAdvance(a, base, n),
    trim: (l: number) => A.asmTrim(a, base, l),
    covered: () => A.asmCovered(a, base),
    nextHole: (s: number) => A.asmNextHole(a, base, s),
    highest: () => A.asmHighest(a, base),
    find: (s: number) => A.asmFind(a, base, s),
    start: (k: number) => a[base + 1 + 2 * k],
    end: (k: number) => a[base + 2 + 2 * k],
  };
}
type Block = ReturnType<typeof block>;

const ranges = (a: Block) => [...Array(a.count).keys()].map((k) => [a.start(k), a.end(k)]);

describe('Assembler', () => {
  it('merges overlapping and touching ranges and keeps them sorted', () => {
    const a = block(4);
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
    const a = block(2);
    expect(a.add(10, 20)).toBe(true);
    expect(a.add(30, 40)).toBe(true);
    expect(a.add(50, 60)).toBe(false);
    expect(a.add(35, 45)).toBe(true);
    expect(ranges(a)).toEqual([[10, 20], [30, 45]]);
  });

  it('advances RCV.NXT through the ranges the new data joins', () => {
    const a = block(4);
    a.add(10, 20);
    a.add(30, 40);
    expect(a.advance(5)).toBe(5);
    expect(a.advance(10)).toBe(20);
    expect(ranges(a)).toEqual([[30, 40]]);
    expect(a.advance(35)).toBe(40);
    expect(a.count).toBe(0);
  });

  it('works across the 2^32 wrap', () => {
    const a = block(4);
    a.add(-10, 5); // 0xfffffff6 .. 5
    a.add(-30, -20);
    expect(ranges(a)).toEqual([[-30, -20], [-10, 5]]);
    expect(a.advance(-20)).toBe(-20);
    expect(a.advance(-10)).toBe(5);
  });

  it('reassembles any arrival order of segments exactly (model check with a ring)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(199), fc.integer({ min: 1, max: 40 })), { maxLength: 30 }), fc.integer({ min: -5000, max: 5000 }), (segs, isn) => {
      const data = Uint8Array.from({ length: 240 }, (_, i) => (i * 31 + 7) & 0xff);
      const ring = createRing(new Uint8Array(256), 0, 256);
      const asm = block(4);
      let nxt = isn | 0;
      const all = [...segs, [0, 240] as [number, number]];
      for (const [off, len0] of all) {
        const len = Math.min(len0, 240 - off);
        const seq = (isn + off) | 0;
        const rel = (seq - nxt) | 0;
        if (rel + len <= 0) continue; // old
        if (rel > 0) {
          ringWriteAt(ring, rel, data, off, len);
          asm.add(seq, (seq + len) | 0);
        } else {
          const skip = -rel;
          ringWrite(ring, data, off + skip, len - skip);
          nxt = (nxt + len - skip) | 0;
          const joined = asm.advance(nxt);
          ringCommit(ring, (joined - nxt) | 0);
          nxt = joined;
        }
      }
      const out = new Uint8Array(240);
      expect(ringRead(ring, out, 0, 240)).toBe(240);
      expect(out).toEqual(data);
      expect(nxt).toBe((isn + 240) | 0);
    }));
  });
  it('as a SACK scoreboard: trim, covered, nextHole, highest and find', () => {
    const a = block(4);
    a.add(100, 200);
    a.add(300, 350);
    a.add(400, 500);
    expect(a.covered()).toBe(250);
    expect(a.highest()).toBe(500);
    expect(a.nextHole(50)).toBe(50);
    expect(a.nextHole(100)).toBe(200);
    expect(a.nextHole(340)).toBe(350);
    expect(a.find(320)).toBe(1);
    expect(a.find(250)).toBe(-1);
    a.trim(150); // the cumulative ACK reached 150: the first range is cut
    expect(ranges(a)).toEqual([[150, 200], [300, 350], [400, 500]]);
    a.trim(350); // a range ending exactly at the ACK goes
    expect(ranges(a)).toEqual([[400, 500]]);
    a.trim(600);
    expect(a.count).toBe(0);
    expect(a.covered()).toBe(0);
    a.add(-20, -10); // across the wrap
    a.add(-5, 10);
    a.trim(-15);
    expect(ranges(a)).toEqual([[-15, -10], [-5, 10]]);
    expect(a.nextHole(-15)).toBe(-10);
    expect(a.covered()).toBe(20);
  });

  it('scoreboard model check: covered and nextHole agree with a bitmap under any adds and trims', () => {
    fc.assert(fc.property(
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.array(fc.tuple(fc.boolean(), fc.nat(120), fc.nat(40))),
      (base, ops) => {
        const a = block(4);
        const held = new Uint8Array(200);
        let left = 0;
        for (const [isTrim, at, len] of ops) {
          if (isTrim) {
            if (at < left) continue;
            left = at;
            a.trim((base + at) | 0);
            for (let k = 0; k < at; k++) held[k] = 0;
          } else {
            const s = Math.max(at, left);
            const e = at + len;
            if (a.add((base + s) | 0, (base + e) | 0)) for (let k = s; k < e; k++) held[k] = 1;
          }
          expect(a.covered()).toBe(held.reduce((x, y) => x + y, 0));
          const probe = left + (at % 30);
          let hole = probe;
          while (hole < 200 && held[hole]) hole++;
          expect((a.nextHole((base + probe) | 0) - base) | 0).toBe(hole);
        }
      },
    ));
  });
});
