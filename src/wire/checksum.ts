/**
 * The Internet checksum (RFC 1071): the 16-bit one's-complement of the one's-complement sum
 * of the data taken as big-endian 16-bit words, an odd last octet padded with zero.
 *
 * Contract: `checksum(buf, off, len, acc)` is the value to write in a checksum field, and
 * `verifies(buf, off, len, acc)` is true when a received header or segment checks out (the
 * sum over data that includes a correct checksum is "negative zero", RFC 1071 §1); `acc` is
 * 0 or a pseudo-header's sum. The wire modules use those two, one call each per packet. The
 * pieces they are made of: `sum` accumulates (and can be chained over several ranges),
 * `finish` turns an accumulator into a field's value, `fold` ends the carries.
 * The per-byte work is done by `native.sum16` (src/native.ts), which a board HAL may replace
 * with a native routine. Nothing here allocates.
 */
import { native } from '../native.js';

/** Fold carries back into the low 16 bits until the value fits in 16 bits (RFC 1071 §2(B) end-around carry). */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}

/** acc + the 16-bit word sum of buf[off, off+len), folded once so the result stays < 2^17 and can be chained. */
export function sum(buf: Uint8Array, off: number, len: number, acc: number): number {
  const s = acc + native.sum16(buf, off, len);
  // One end-around-carry step: for any s < 2^32 this leaves at most 0xffff + 0xffff < 2^17.
  return (s & 0xffff) + (s >>> 16);
}

/** The value to put in a checksum field: the one's complement of the folded sum. */
export function finish(acc: number): number {
  return ~fold(acc) & 0xffff;
}

/** Sum of the IPv4 pseudo-header (RFC 9293 §3.1, RFC 768): src, dst, zero, protocol, TCP/UDP length. */
export function pseudoHeader(src: number, dst: number, protocol: number, len: number): number {
  // Addresses are int32: `>>> 16` of a negative int32 is still a small (16-bit) number.
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + len;
}

/**
 * The value for a checksum field over buf[off, off+len) after `acc` (0, or a pseudo-header):
 * finish(sum(buf, off, len, acc)) in one call, for the per-packet path (a call costs on an
 * interpreter). acc < 2^18 and a sum16 < 2^31 keep the total within fold's 32 bits.
 */
export function checksum(buf: Uint8Array, off: number, len: number, acc: number): number {
  return ~fold(acc + native.sum16(buf, off, len)) & 0xffff;
}

/** True when buf[off, off+len) after `acc` sums to "negative zero": a received checksum verifies (RFC 1071 §1). */
export function verifies(buf: Uint8Array, off: number, len: number, acc: number): boolean {
  return fold(acc + native.sum16(buf, off, len)) === 0xffff;
}
