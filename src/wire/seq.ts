/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * Contract: sequence numbers are int32 numbers (`x | 0`). Comparisons look at the signed
 * 32-bit difference, so `a` is "less than" `b` when b is at most 2^31 - 1 ahead of a, across
 * the wrap at 2^32. Nothing here allocates or produces a value above 2^31.
 */

/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
/** a >= b in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
/** a + n mod 2^32, as an int32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) | 0;
}
/** a - b mod 2^32, as an int32 (the signed distance from b to a). */
export function seqSub(a: number, b: number): number {
  return (a - b) | 0;
}
/** True when start <= x < start + size mod 2^32 (size up to 2^31; size 0 contains nothing). */
export function seqInWindow(x: number, start: number, size: number): boolean {
  const d = (x - start) | 0;
  return d >= 0 && d < size;
}
/** The later of a and b in sequence space. */
export function seqMax(a: number, b: number): number {
  return ((a - b) | 0) > 0 ? a : b;
}
/** The earlier of a and b in sequence space. */
export function seqMin(a: number, b: number): number {
  return ((a - b) | 0) < 0 ? a : b;
}
