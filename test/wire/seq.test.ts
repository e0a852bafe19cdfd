import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seqAdd, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax, seqMin, seqSub } from '../../src/wire/seq.js';

const MAX = 0x7fffffff; // 2^31 - 1
const MIN = -0x80000000; // 2^31 as an int32
const TOP = 0xffffffff | 0; // 2^32 - 1 as an int32 (-1)

describe('sequence arithmetic mod 2^32', () => {
  it('compares plainly away from the wrap', () => {
    expect(seqLt(1, 2)).toBe(true);
    expect(seqLt(2, 1)).toBe(false);
    expect(seqLt(5, 5)).toBe(false);
    expect(seqLe(5, 5)).toBe(true);
    expect(seqGt(2, 1)).toBe(true);
    expect(seqGe(5, 5)).toBe(true);
    expect(seqGe(4, 5)).toBe(false);
  });

  it('wraps around 2^32: 2^32-1 is just before 0', () => {
    expect(seqLt(TOP, 0)).toBe(true);
    expect(seqGt(0, TOP)).toBe(true);
    expect(seqLe(TOP, 0)).toBe(true);
    expect(seqGe(0, TOP)).toBe(true);
    expect(seqLt(0, TOP)).toBe(false);
    expect(seqLt(0xfffffff0 | 0, 0x10)).toBe(true);
    expect(seqAdd(TOP, 1)).toBe(0);
    expect(seqAdd(0xfffffff0 | 0, 0x20)).toBe(0x10);
    expect(seqSub(0x10, 0xfffffff0 | 0)).toBe(0x20);
    expect(seqSub(0, TOP)).toBe(1);
    expect(seqSub(TOP, 0)).toBe(-1);
    expect(seqMax(TOP, 1)).toBe(1);
    expect(seqMin(TOP, 1)).toBe(TOP);
  });

  it('crosses the 2^31 boundary without changing sign semantics', () => {
    expect(seqAdd(MAX, 1)).toBe(MIN);
    expect(seqLt(MAX, MIN)).toBe(true);
    expect(seqGt(MIN, MAX)).toBe(true);
    expect(seqSub(MIN, MAX)).toBe(1);
    // 2^31 - 1 ahead is still "greater"
    expect(seqGt(MAX, 0)).toBe(true);
    expect(seqLt(0, MAX)).toBe(true);
    // 2^31 + 1 ahead is "behind" (the comparison window is half the space)
    expect(seqLt(0, (MIN + 1) | 0)).toBe(false);
    expect(seqGt(0, (MIN + 1) | 0)).toBe(true);
    // exactly 2^31 apart is the ambiguous point RFC 9293 §3.4 warns about: each is "less"
    expect(seqLt(0, MIN)).toBe(true);
    expect(seqLt(MIN, 0)).toBe(true);
  });

  it('results are always int32 (never heap numbers above 2^31)', () => {
    for (const v of [seqAdd(MAX, MAX), seqAdd(TOP, TOP), seqSub(MIN, 1), seqAdd(0, 0xffffffff)]) {
      expect(v).toBe(v | 0);
    }
    expect(seqAdd(0, 0xffffffff)).toBe(-1);
  });

  it('seqInWindow checks start <= x < start + size mod 2^32', () => {
    expect(seqInWindow(100, 100, 10)).toBe(true);
    expect(seqInWindow(109, 100, 10)).toBe(true);
    expect(seqInWindow(110, 100, 10)).toBe(false);
    expect(seqInWindow(99, 100, 10)).toBe(false);
    // size 0 contains nothing, not even start
    expect(seqInWindow(100, 100, 0)).toBe(false);
    // a window straddling 2^32
    const s = 0xfffffff6 | 0;
    expect(seqInWindow(s, s, 20)).toBe(true);
    expect(seqInWindow(TOP, s, 20)).toBe(true);
    expect(seqInWindow(0, s, 20)).toBe(true);
    expect(seqInWindow(9, s, 20)).toBe(true);
    expect(seqInWindow(10, s, 20)).toBe(false);
    expect(seqInWindow((s - 1) | 0, s, 20)).toBe(false);
    // a window straddling 2^31
    expect(seqInWindow(MIN, MAX, 2)).toBe(true);
    expect(seqInWindow((MIN + 1) | 0, MAX, 2)).toBe(false);
    // the largest window, 2^31
    expect(seqInWindow((5 + MAX) | 0, 5, 0x80000000)).toBe(true);
    expect(seqInWindow((5 + MIN) | 0, 5, 0x80000000)).toBe(false);
    expect(seqInWindow(4, 5, 0x80000000)).toBe(false);
  });

  const int32 = fc.integer({ min: MIN, max: MAX });

  it('property: a < a + n for 0 < n < 2^31, and add/sub invert each other', () => {
    fc.assert(
      fc.property(int32, fc.integer({ min: 1, max: MAX }), (a, n) => {
        const b = seqAdd(a, n);
        expect(b).toBe(b | 0);
        expect(seqLt(a, b)).toBe(true);
        expect(seqGt(b, a)).toBe(true);
        expect(seqLe(a, b)).toBe(true);
        expect(seqGe(a, b)).toBe(false);
        expect(seqSub(b, a)).toBe(n);
        expect(seqMax(a, b)).toBe(b);
        expect(seqMin(a, b)).toBe(a);
      }),
    );
  });

  it('property: seqInWindow agrees with unsigned arithmetic', () => {
    fc.assert(
      fc.property(int32, int32, fc.integer({ min: 0, max: 0x80000000 }), (x, start, size) => {
        const d = (x - start + 0x100000000) % 0x100000000;
        expect(seqInWindow(x, start, size)).toBe(d < size);
      }),
    );
  });
});
