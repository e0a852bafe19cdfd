/**
 * A byte ring over part of a caller-supplied Uint8Array: the storage behind every TCP send and
 * receive buffer. A ring is a plain record (no methods, so an interpreter finds its five
 * fields without walking a prototype) and the verbs are functions that take it first.
 *
 * Contract: `ringWrite` copies in as much as fits and returns the count; `ringRead` copies out
 * and consumes; `ringPeek` copies out from any offset without consuming (TCP retransmits from
 * the send ring by peeking at the unacknowledged bytes); `ringDiscard` consumes without
 * copying (an ACK frees acknowledged bytes). `ringWriteAt` stores bytes past the readable end
 * without making them readable and `ringCommit` publishes them: TCP keeps out-of-order
 * segments there until the hole before them is filled. Nothing allocates: wrap-around is
 * handled with at most two calls to `native.copy` per operation, so the JavaScript work does
 * not grow with the byte count on a board whose HAL supplies a native copy. Several rings can
 * share one buffer (TCP puts every connection's rings in one), each in [base, base + cap).
 */
import { native } from '../native.js';

export interface Ring {
  /** The backing storage (possibly shared with other rings). */
  buf: Uint8Array;
  /** Where this ring's bytes start in buf. */
  base: number;
  /** Capacity in octets. */
  cap: number;
  /** Index of the oldest byte, 0..cap-1, relative to base. */
  head: number;
  /** Number of bytes stored. */
  len: number;
}

/** A ring over buf[base, base + cap) (start-up only: allocates the record). */
export function createRing(buf: Uint8Array, base: number, cap: number): Ring {
  return { buf: buf, base: base, cap: cap, head: 0, len: 0 };
}

/** Free space in octets. */
export function ringFree(r: Ring): number {
  return r.cap - r.len;
}

/** Drop everything (a reset connection, or a slot handed to a new connection). */
export function ringClear(r: Ring): void {
  r.head = 0;
  r.len = 0;
}

/** Copy n bytes of src[off..] into the ring at position pos (relative to base), wrapping once. */
function put(r: Ring, pos: number, src: Uint8Array, off: number, n: number): void {
  const cap = r.cap;
  const first = n < cap - pos ? n : cap - pos;
  native.copy(r.buf, r.base + pos, src, off, first);
  if (n > first) native.copy(r.buf, r.base, src, off + first, n - first);
}

/** Copy up to len bytes of src[off..] in; returns the number accepted (limited by free space). */
export function ringWrite(r: Ring, src: Uint8Array, off: number, len: number): number {
  const cap = r.cap;
  const n = len < cap - r.len ? len : cap - r.len;
  if (n <= 0) return 0;
  let tail = r.head + r.len;
  if (tail >= cap) tail -= cap;
  put(r, tail, src, off, n);
  r.len += n;
  return n;
}

/**
 * Copy len bytes of src[off..] to `at` octets past the readable end, without making them
 * readable. Returns the count stored (limited by free space after `at`).
 */
export function ringWriteAt(r: Ring, at: number, src: Uint8Array, off: number, len: number): number {
  const cap = r.cap;
  const room = cap - r.len - at;
  const n = len < room ? len : room;
  if (n <= 0 || at < 0) return 0;
  let pos = r.head + r.len + at;
  while (pos >= cap) pos -= cap;
  put(r, pos, src, off, n);
  return n;
}

/** Make n more bytes readable: bytes that ringWriteAt stored right after the readable end. */
export function ringCommit(r: Ring, n: number): number {
  const k = n < r.cap - r.len ? n : r.cap - r.len;
  if (k <= 0) return 0;
  r.len += k;
  return k;
}

/** Copy up to len bytes, starting `at` bytes past the head, into dst[off..] without consuming; returns the count. */
export function ringPeek(r: Ring, dst: Uint8Array, off: number, at: number, len: number): number {
  const avail = r.len - at;
  const n = len < avail ? len : avail;
  if (n <= 0) return 0;
  const cap = r.cap;
  let start = r.head + at;
  if (start >= cap) start -= cap;
  const first = n < cap - start ? n : cap - start;
  native.copy(dst, off, r.buf, r.base + start, first);
  if (n > first) native.copy(dst, off + first, r.buf, r.base, n - first);
  return n;
}

/** Consume up to n bytes without copying; returns the count consumed. */
export function ringDiscard(r: Ring, n: number): number {
  const k = n < r.len ? n : r.len;
  if (k <= 0) return 0;
  r.head += k;
  if (r.head >= r.cap) r.head -= r.cap;
  r.len -= k;
  // The head is NOT moved back to 0 when the ring empties: bytes parked past the readable
  // end by ringWriteAt (out-of-order TCP data) must stay where they are.
  return k;
}

/** Copy up to len bytes into dst[off..] and consume them; returns the count. */
export function ringRead(r: Ring, dst: Uint8Array, off: number, len: number): number {
  const n = ringPeek(r, dst, off, 0, len);
  ringDiscard(r, n);
  return n;
}
