/**
 * A byte ring over a caller-supplied Uint8Array: the storage behind every TCP send and
 * receive buffer.
 *
 * Contract: `write` copies in as much as fits and returns the count; `read` copies out and
 * consumes; `peek` copies out from any offset without consuming (TCP retransmits from the
 * send ring by peeking at the unacknowledged bytes); `discard` consumes without copying
 * (an ACK frees acknowledged bytes). `writeAt` stores bytes past the readable end without
 * making them readable and `commit` publishes them: TCP keeps out-of-order segments there
 * until the hole before them is filled. Nothing allocates: wrap-around is handled with at most
 * two calls to `native.copy` per operation, so the JavaScript work does not grow with the
 * byte count on a board whose HAL supplies a native copy.
 */
import { native } from '../native.js';

export class Ring {
  /** The backing storage; its length is the capacity. */
  buf: Uint8Array;
  /** Index of the oldest byte. */
  head: number;
  /** Number of bytes stored. */
  len: number;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.head = 0;
    this.len = 0;
  }

  /** Capacity in octets. */
  capacity(): number {
    return this.buf.length;
  }

  /** Free space in octets. */
  free(): number {
    return this.buf.length - this.len;
  }

  /** Drop everything (a reset connection, or a slot handed to a new connection). */
  clear(): void {
    this.head = 0;
    this.len = 0;
  }

  /** Copy up to len bytes of src[off..] in; returns the number accepted (limited by free space). */
  write(src: Uint8Array, off: number, len: number): number {
    const cap = this.buf.length;
    const n = len < cap - this.len ? len : cap - this.len;
    if (n <= 0) return 0;
    let tail = this.head + this.len;
    if (tail >= cap) tail -= cap;
    const first = n < cap - tail ? n : cap - tail;
    native.copy(this.buf, tail, src, off, first);
    if (n > first) native.copy(this.buf, 0, src, off + first, n - first);
    this.len += n;
    return n;
  }

  /**
   * Copy len bytes of src[off..] to `at` octets past the readable end, without making them
   * readable. Returns the count stored (limited by free space after `at`).
   */
  writeAt(at: number, src: Uint8Array, off: number, len: number): number {
    const cap = this.buf.length;
    const room = cap - this.len - at;
    const n = len < room ? len : room;
    if (n <= 0 || at < 0) return 0;
    let pos = this.head + this.len + at;
    while (pos >= cap) pos -= cap;
    const first = n < cap - pos ? n : cap - pos;
    native.copy(this.buf, pos, src, off, first);
    if (n > first) native.copy(this.buf, 0, src, off + first, n - first);
    return n;
  }

  /** Make n more bytes readable: bytes that `writeAt` stored right after the readable end. */
  commit(n: number): number {
    const k = n < this.buf.length - this.len ? n : this.buf.length - this.len;
    if (k <= 0) return 0;
    this.len += k;
    return k;
  }

  /** Copy up to len bytes, starting `at` bytes past the head, into dst[off..] without consuming; returns the count. */
  peek(dst: Uint8Array, off: number, at: number, len: number): number {
    const avail = this.len - at;
    const n = len < avail ? len : avail;
    if (n <= 0) return 0;
    const cap = this.buf.length;
    let start = this.head + at;
    if (start >= cap) start -= cap;
    const first = n < cap - start ? n : cap - start;
    native.copy(dst, off, this.buf, start, first);
    if (n > first) native.copy(dst, off + first, this.buf, 0, n - first);
    return n;
  }

  /** Consume up to n bytes without copying; returns the count consumed. */
  discard(n: number): number {
    const k = n < this.len ? n : this.len;
    if (k <= 0) return 0;
    this.head += k;
    if (this.head >= this.buf.length) this.head -= this.buf.length;
    this.len -= k;
    // The head is NOT moved back to 0 when the ring empties: bytes parked past the readable
    // end by writeAt (out-of-order TCP data) must stay where they are.
    return k;
  }

  /** Copy up to len bytes into dst[off..] and consume them; returns the count. */
  read(dst: Uint8Array, off: number, len: number): number {
    const n = this.peek(dst, off, 0, len);
    this.discard(n);
    return n;
  }
}
