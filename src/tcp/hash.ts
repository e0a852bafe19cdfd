/**
 * HalfSipHash-2-4 (Aumasson and Bernstein): a keyed pseudo-random function on 32-bit words,
 * built only from additions, rotations and xors, so it runs on Espruino, which has no
 * `Math.imul`. TCP uses it for RFC 6528 ISNs and for SYN cookies: the function is F(), its
 * 64-bit key comes from the HAL's random source at start-up, and nobody outside can compute
 * it (RFC 9293 MUST-9).
 *
 * Contract: `hash4(key, a, b, c, d)` hashes four int32 words (16 octets, little-endian word
 * order as the reference implementation reads them) and returns an int32. Allocation-free.
 */

/** One SipRound on the four state words, kept in a caller-owned Int32Array. */
function round(v: Int32Array): void {
  let v0 = v[0];
  let v1 = v[1];
  let v2 = v[2];
  let v3 = v[3];
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v[0] = v0; v[1] = v1; v[2] = v2; v[3] = v3;
}

/** Absorb one 32-bit message word with two compression rounds. */
function absorb(v: Int32Array, m: number): void {
  v[3] ^= m;
  round(v);
  round(v);
  v[0] ^= m;
}

/** A HalfSipHash-2-4 instance: the key and the scratch state, allocated once. */
export class HalfSipHash {
  k0: number;
  k1: number;
  v: Int32Array;

  constructor(k0: number, k1: number) {
    this.k0 = k0 | 0;
    this.k1 = k1 | 0;
    this.v = new Int32Array(4);
  }

  /** Hash `len` octets given as up to four little-endian 32-bit words; returns the 32-bit result as an int32. */
  hashWords(w0: number, w1: number, w2: number, w3: number, len: number): number {
    const v = this.v;
    v[0] = this.k0;
    v[1] = this.k1;
    v[2] = 0x6c796765 ^ this.k0;
    v[3] = 0x74656462 ^ this.k1;
    const full = len >> 2;
    if (full > 0) absorb(v, w0);
    if (full > 1) absorb(v, w1);
    if (full > 2) absorb(v, w2);
    if (full > 3) absorb(v, w3);
    // The last block holds the length in its top byte (the message here is whole words).
    absorb(v, (len & 0xff) << 24);
    v[2] ^= 0xff;
    round(v);
    round(v);
    round(v);
    round(v);
    return v[1] ^ v[3];
  }

  /** Hash four words (16 octets). */
  hash4(a: number, b: number, c: number, d: number): number {
    return this.hashWords(a, b, c, d, 16);
  }
}
