import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, finish, fold, pseudoHeader, sum, verifies } from '../../src/wire/checksum.js';
import { installNative, native, resetNative } from '../../src/native.js';

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.substr(i * 2, 2), 16);
  return b;
}

/** Independent reference: the textbook RFC 1071 loop. */
function refSum(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

describe('checksum (RFC 1071)', () => {
  afterEach(() => resetNative());

  it('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2', () => {
    const b = hex('0001f203f4f5f6f7');
    expect(fold(sum(b, 0, 8, 0))).toBe(0xddf2);
    expect(checksum(b, 0, 8, 0)).toBe(0x220d);
  });

  it('pads an odd last byte with zero', () => {
    expect(fold(sum(hex('01'), 0, 1, 0))).toBe(0x0100);
    expect(fold(sum(hex('0001f2'), 0, 3, 0))).toBe(0xf201);
  });

  it('honours off and len', () => {
    const b = hex('ffff 0001f203f4f5f6f7 ffff');
    expect(fold(sum(b, 2, 8, 0))).toBe(0xddf2);
  });

  it('well-known IPv4 header (checksum 0xb861) computes and verifies', () => {
    const h = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(checksum(h, 0, 20, 0)).toBe(0xb861);
    h[10] = 0xb8;
    h[11] = 0x61;
    expect(fold(sum(h, 0, 20, 0))).toBe(0xffff);
    expect(checksum(h, 0, 20, 0)).toBe(0);
  });

  it('fold carries repeatedly until 16 bits remain', () => {
    expect(fold(0)).toBe(0);
    expect(fold(0xffff)).toBe(0xffff);
    expect(fold(0x10000)).toBe(1);
    expect(fold(0x1ffff)).toBe(1);
    expect(fold(0x2fffd)).toBe(0xffff);
    expect(fold(0xffffffff)).toBe(0xffff);
  });

  it('finish is the complement of the folded sum', () => {
    expect(finish(0)).toBe(0xffff);
    expect(finish(0xffff)).toBe(0);
    expect(finish(0x1ddf1)).toBe(0x220d);
  });

  it('sum stays below 2^17 when chained over many all-ones buffers', () => {
    const b = new Uint8Array(1500).fill(0xff);
    let acc = 0;
    for (let i = 0; i < 1000; i++) {
      acc = sum(b, 0, b.length, acc);
      expect(acc).toBeLessThan(0x20000);
    }
    expect(fold(acc)).toBe(0xffff);
  });

  it('pseudoHeader sums src, dst, protocol and length as 16-bit words', () => {
    // 192.0.2.1 -> 192.0.2.2, TCP, 24 octets
    const src = 0xc0000201 | 0;
    const dst = 0xc0000202 | 0;
    expect(pseudoHeader(src, dst, 6, 24)).toBe(0xc000 + 0x0201 + 0xc000 + 0x0202 + 6 + 24);
    // with the all-ones address: the int32 is -1, each half still 0xffff
    expect(pseudoHeader(-1, 0, 17, 8)).toBe(0xffff + 0xffff + 17 + 8);
    // pseudoHeader + segment sum equals the sum over an explicit 12-octet pseudo-header
    const ph = hex('c0000201 c0000202 0006 0018');
    expect(fold(pseudoHeader(src, dst, 6, 24))).toBe(fold(sum(ph, 0, 12, 0)));
  });

  it('the native.sum16 hook is honoured', () => {
    const calls: number[][] = [];
    const orig = native.sum16;
    installNative((buf, off, len) => {
      calls.push([off, len]);
      return orig(buf, off, len);
    }, null, null);
    const b = hex('0001f203f4f5f6f7');
    expect(fold(sum(b, 0, 8, 0))).toBe(0xddf2);
    expect(calls).toEqual([[0, 8]]);
    // a hook returning a fixed value proves the result comes from it
    installNative(() => 0x1234, null, null);
    expect(checksum(b, 0, 8, 0)).toBe(0xedcb);
    resetNative();
    expect(checksum(b, 0, 8, 0)).toBe(0x220d);
  });

  it('property: sum matches the textbook loop for any bytes, offset and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), fc.nat(0x1ffff), (b, o, l, acc) => {
        const off = b.length === 0 ? 0 : o % (b.length + 1);
        const len = (b.length - off) === 0 ? 0 : l % (b.length - off + 1);
        const s = sum(b, off, len, acc);
        expect(s).toBeLessThan(0x20000);
        expect(fold(s)).toBe(fold(refSum(b, off, len) + acc));
      }),
    );
  });

  it('property: sum chains over an even split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (b, k) => {
        const cut = (k % (b.length + 1)) & ~1;
        expect(fold(sum(b, cut, b.length - cut, sum(b, 0, cut, 0)))).toBe(fold(sum(b, 0, b.length, 0)));
      }),
    );
  });

  it('property: data with its checksum inserted verifies to 0xffff', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 600 }), (b) => {
        b[0] = 0;
        b[1] = 0;
        const c = checksum(b, 0, b.length, 0);
        b[0] = c >> 8;
        b[1] = c & 0xff;
        // all-zero data sums to +0; its checksum 0xffff turns the total into -0 as well
        expect(fold(sum(b, 0, b.length, 0))).toBe(0xffff);
      }),
    );
  });
});

describe('checksum and verifies after an accumulator', () => {
  it('equal finish(sum(...)) and fold(sum(...)) === 0xffff for any data and pseudo-header sum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0x3ffff }), (b, acc) => {
        const c = checksum(b, 0, b.length, acc);
        expect(c).toBe(finish(sum(b, 0, b.length, acc)));
        expect(verifies(b, 0, b.length, acc)).toBe(fold(sum(b, 0, b.length, acc)) === 0xffff);
        // Data followed by its own checksum verifies.
        const w = new Uint8Array(b.length + (b.length & 1) + 2);
        w.set(b);
        w[w.length - 2] = c >> 8;
        w[w.length - 1] = c & 0xff;
        expect(verifies(w, 0, w.length, acc)).toBe(true);
      }),
    );
  });
});
