import { describe, expect, it } from 'vitest';
import { hashKey, hashWords, hash4 } from '../../src/tcp/hash.js';

describe('HalfSipHash-2-4', () => {
  // The reference implementation's vectors_hsip32: key bytes 00..07, message bytes 00, 01, ...
  const h = hashKey(0x03020100, 0x07060504);
  it('matches the reference vector for the empty message', () => {
    expect(hashWords(h, 0, 0, 0, 0, 0) >>> 0).toBe(0x5b9f35a9); // a9 35 9f 5b, little-endian
  });
  it('matches the reference vector for 00 01 02 03', () => {
    expect(hashWords(h, 0x03020100, 0, 0, 0, 4) >>> 0).toBe(0x89466e2a); // 2a 6e 46 89
  });
  it('depends on every word and on the key, and not on earlier calls', () => {
    const base = hash4(h, 1, 2, 3, 4);
    expect(hash4(h, 1, 2, 3, 5)).not.toBe(base);
    expect(hash4(h, 0, 2, 3, 4)).not.toBe(base);
    expect(hash4(hashKey(0x03020101, 0x07060504), 1, 2, 3, 4)).not.toBe(base);
    expect(hash4(h, 1, 2, 3, 4)).toBe(base);
  });
});
