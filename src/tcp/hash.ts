/**
 * HalfSipHash-2-4 (Aumasson and Bernstein): a keyed pseudo-random function on 32-bit words,
 * built only from additions, rotations and xors, so it runs on Espruino, which has no
 * `Math.imul`. TCP uses it for RFC 6528 ISNs and for SYN cookies: the function is F(), its
 * 64-bit key comes from the HAL's random source at start-up, and nobody outside can compute
 * it (RFC 9293 MUST-9).
 *
 * Contract: `hashKey(k0, k1)` makes the state array once (the two key words, then the four
 * state words the rounds work in); `hash4(h, a, b, c, d)` hashes four int32 words (16 octets,
 * little-endian word order as the reference implementation reads them) and returns an int32.
 * Allocation-free after hashKey.
 */

/** Words of a HalfSipHash state array: the two key words, then four of state. */
export const HASH_WORDS = 6;

/** A key (k0, k1) and room for the state, in one array (start-up only: allocates). */
export function hashKey(k0: number, k1: number): Int32Array {
  const h = new Int32Array(HASH_WORDS);
  h[0] = k0 | 0;
  h[1] = k1 | 0;
  return h;
}

/** One SipRound on the four state words h[2..5]. */
function round(h: Int32Array): void {
  let v0 = h[2];
  let v1 = h[3];
  let v2 = h[4];
  let v3 = h[5];
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  h[2] = v0; h[3] = v1; h[4] = v2; h[5] = v3;
}

/** Absorb one 32-bit message word with two compression rounds. */
function absorb(h: Int32Array, m: number): void {
  h[5] ^= m;
  round(h);
  round(h);
  h[2] ^= m;
}

/**
 * Hash `len` octets given as up to four little-endian 32-bit words under key `h` (hashKey);
 * returns the 32-bit result as an int32.
 */
export function hashWords(h: Int32Array, w0: number, w1: number, w2: number, w3: number, len: number): number {
  h[2] = h[0];
  h[3] = h[1];
  h[4] = 0x6c796765 ^ h[0];
  h[5] = 0x74656462 ^ h[1];
  const full = len >> 2;
  if (full > 0) absorb(h, w0);
  if (full > 1) absorb(h, w1);
  if (full > 2) absorb(h, w2);
  if (full > 3) absorb(h, w3);
  // The last block holds the length in its top byte (the message here is whole words).
  absorb(h, (len & 0xff) << 24);
  h[4] ^= 0xff;
  round(h);
  round(h);
  round(h);
  round(h);
  return h[3] ^ h[5];
}

/** Hash four words (16 octets). */
export function hash4(h: Int32Array, a: number, b: number, c: number, d: number): number {
  return hashWords(h, a, b, c, d, 16);
}
