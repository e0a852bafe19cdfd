/**
 * The three per-byte primitives of the stack: the 16-bit one's-complement sum, the bulk
 * byte copy, and the search for a byte (SLIP looks for END and ESC). Everything else in the stack does per-segment work, so these are the only
 * places where cost grows with payload size.
 *
 * Contract: both are plain functions over (buf, off, len) that allocate nothing. The host
 * defaults are tight loops that V8 compiles to machine code. A board HAL replaces them with
 * native versions through `installNative` (Espruino: `E.sum`, `Uint8Array.prototype.set` and
 * `indexOf`),
 * because a per-byte JavaScript loop runs only a few thousand iterations per second on an
 * interpreter such as a board's Espruino.
 *
 * Why not `dst.set(src.subarray(...))` on the host: each `subarray` is a new object, and
 * 200k of them caused 18 young-generation collections in a measurement; the zero-allocation
 * promise forbids that. Why not `indexOf` on the host: it has no end bound, so on a chunk that
 * sits in a large buffer it scans far past the frame (a profile of the loopback showed 96% of
 * the time there); the board HALs use it because their chunks are exactly sized.
 */

/** Sum of the big-endian 16-bit words of buf[off, off+len), an odd last byte padded with zero; not folded. */
export type Sum16 = (buf: Uint8Array, off: number, len: number) => number;
/**
 * Copy len bytes from src[srcOff..] to dst[dstOff..], front to back. Overlapping ranges of one
 * buffer are allowed only when the copy moves bytes down (dstOff <= srcOff), as SLIP's in-place
 * decode does; nothing in the stack moves bytes up. Implementations must not test `dst === src`:
 * Espruino compares typed arrays by content, copying them to do it (tools/subset-check.mjs).
 */
export type Copy = (dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number) => void;

/** Index of the first `value` in buf[from, end), or `end` if there is none. */
export type Find = (buf: Uint8Array, value: number, from: number, end: number) => number;

/**
 * Portable sum: folds every 64 Ki words so the accumulator stays a small integer. Exported for
 * a HAL whose own sum covers only some buffers (hal/kaluma.ts).
 */
export function sum16Js(buf: Uint8Array, off: number, len: number): number {
  let acc = 0;
  const end = off + (len & ~1);
  let i = off;
  while (i < end) {
    acc += (buf[i] << 8) | buf[i + 1];
    i += 2;
    if ((i & 0x1fffe) === 0) acc = (acc & 0xffff) + (acc >>> 16);
  }
  if (len & 1) acc += buf[end] << 8;
  return acc;
}

/**
 * The big-endian sum of buf[off, off+len), from `le`: the sum, folded to 16 bits, of the
 * little-endian words that start at the first even byte (`odd` = 1 when off is not). For the
 * HALs that add 16-bit words through a Uint16Array (little-endian on every board).
 * RFC 1071 §2(B): the sum is byte-order independent, so the folded little-endian sum,
 * byte-swapped, is the folded big-endian one. With an odd start the first byte is added alone,
 * as a high byte, and the words after it are NOT swapped: counted from `off` their byte pairs
 * are (odd, even) = (low, high), which is how a little-endian word holds them. A last byte
 * left over (an odd one is the high byte of a word padded with zero) is at an even distance
 * from `off` when the start was even. Returns a value congruent to the big-endian sum modulo
 * 0xffff, below 2^18: callers fold. One expression (tools/inline.mjs inlines it on Espruino).
 */
export function fromLittleEndian(le: number, buf: Uint8Array, off: number, len: number, odd: number): number {
  return (odd === 0 ? ((le & 0xff) << 8) | (le >> 8) : le + (buf[off] << 8)) +
    ((len - odd) & 1 ? (odd === 0 ? buf[off + len - 1] << 8 : buf[off + len - 1]) : 0);
}

/** Portable copy: a plain loop, allocation-free. */
function copyJs(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i];
}

/** Portable search: a loop bounded by `end`. */
function findJs(buf: Uint8Array, value: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === value) return i;
  return end;
}

/** The active implementations. Read them through this object so a HAL can swap them at start-up. */
export const native = {
  sum16: sum16Js as Sum16,
  copy: copyJs as Copy,
  find: findJs as Find,
};

/** Replace primitives (call once, before the stack starts). Pass null to keep the current one. */
export function installNative(sum16: Sum16 | null, copy: Copy | null, find: Find | null): void {
  if (sum16 !== null) native.sum16 = sum16;
  if (copy !== null) native.copy = copy;
  if (find !== null) native.find = find;
}

/** A `find` built on `indexOf`, for runtimes where it is native and chunks are exactly sized. */
export function findIndexOf(buf: Uint8Array, value: number, from: number, end: number): number {
  const i = buf.indexOf(value, from);
  return i < 0 || i > end ? end : i;
}

/** Restore the portable implementations (tests use this after trying a native one). */
export function resetNative(): void {
  native.sum16 = sum16Js;
  native.copy = copyJs;
  native.find = findJs;
}
