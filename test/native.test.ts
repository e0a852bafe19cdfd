import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findIndexOf, installNative, native, resetNative } from '../src/native.js';
import { SlipDecoder, encode } from '../src/wire/slip.js';

afterEach(() => resetNative());

describe('native primitives', () => {
  it('find never looks at or past end, and returns end when the byte is absent', () => {
    const b = Uint8Array.from([1, 2, 0xc0, 4, 0xc0]);
    expect(native.find(b, 0xc0, 0, 5)).toBe(2);
    expect(native.find(b, 0xc0, 3, 5)).toBe(4);
    expect(native.find(b, 0xc0, 0, 2)).toBe(2); // the END at 2 is outside [0, 2)
    expect(native.find(b, 0xdb, 0, 5)).toBe(5);
  });

  it('the indexOf-based find a board installs agrees with the portable one everywhere', () => {
    const portable = native.find;
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(70), fc.nat(70), fc.constantFrom(0xc0, 0xdb, 0), (b, x, y, v) => {
      const from = Math.min(x, y, b.length);
      const end = Math.min(Math.max(x, y), b.length);
      expect(findIndexOf(b, v, from, end)).toBe(portable(b, v, from, end));
    }));
  });

  it('copy moves bytes down inside one buffer (the only overlap the contract allows)', () => {
    const b = Uint8Array.from([0, 1, 2, 3, 4, 5]);
    native.copy(b, 0, b, 2, 4);
    expect([...b]).toEqual([2, 3, 4, 5, 4, 5]);
    native.copy(b, 1, b, 1, 3); // onto itself
    expect([...b]).toEqual([2, 3, 4, 5, 4, 5]);
  });

  it('SLIP decodes the same with the board primitives installed', () => {
    installNative(null, (d, dOff, s, sOff, len) => d.set(s.subarray(sOff, sOff + len), dOff), findIndexOf);
    const pkt = Uint8Array.from([0x45, 0xc0, 0xdb, 0, 7, 0xc0]);
    const frame = new Uint8Array(20);
    const n = encode(pkt, 0, pkt.length, frame, 0);
    const got: number[][] = [];
    const d = new SlipDecoder(64, (buf, len) => got.push([...buf.slice(0, len)]));
    d.push(frame, 0, n);
    expect(got).toEqual([[...pkt]]);
  });
});
