/**
 * The Kaluma HAL (JerryScript on the RP2040): the stack's byte pipe on a UART, Kaluma's
 * millisecond clock, a best-effort random source, a native bulk copy, and a word-wise checksum.
 *
 * Contract (see src/hal.ts):
 * - `createKalumaHal(uart)` takes a UART the firmware opened with
 *   `new (require('uart').UART)(0, { baudrate })`, installs the copy and the checksum, returns the HAL;
 *   `createStack(config, hal)` then registers the stack as the receiver.
 * - `start(stack)` feeds every received chunk to the receiver, polls the stack once after
 *   each chunk that completed a frame (the receiver says so), and keeps exactly one timer (or
 *   none) armed for the deadline `poll` returned; `wake()` (the stack calls it after a user
 *   call made outside those) polls at the next turn.
 * - `write` sends a standalone copy of the frame. Kaluma bug (1.2.1; hal/kaluma-env.d.ts): `write(u8)`
 *   sends the whole underlying ArrayBuffer, ignoring byteOffset and byteLength, so a view
 *   into the stack's transmit buffer would put the whole buffer on the line.
 *
 * Randomness: Kaluma documents no hardware random source, and JerryScript's Math.random is
 * a pseudo-random generator whose start state may repeat from boot to boot. `random32`
 * therefore stirs an xorshift32 state with Math.random, `millis()` at each call, and the
 * arrival time and size of every received chunk, which depend on the outside world. That
 * is better than Math.random alone but it is NOT cryptographic: the ISN secret (RFC 6528)
 * drawn from it is only as unpredictable as the traffic timing before it was drawn.
 *
 * Allocation: the copy uses `set` with a fresh view and `write` a fresh slice, garbage that
 * JerryScript's mark-and-sweep collector reclaims (it runs when the memory allocated since
 * the last collection passes its limit, or when an allocation fails); native copying beats a
 * JavaScript byte loop on an interpreter. The checksum's word views are made once per
 * buffer (sum16Kaluma).
 */
import type { Hal, Receiver, Pollable } from '../src/hal.js';
import { installNative, findIndexOf, sum16Js, fromLittleEndian } from '../src/native.js';
import { createPollTimer } from './poll-timer.js';

export type { Pollable };

/** The HAL plus the call that wires it to the UART and the timers. */
export interface KalumaHal extends Hal {
  /** Start feeding received bytes and polling the stack. */
  start(stack: Pollable): void;
}

/** Copy with `Uint8Array.prototype.set` (native; the spec makes overlapping copies safe). */
function copyKaluma(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  if (len <= 0) return;
  dst.set(new Uint8Array(src.buffer, src.byteOffset + srcOff, len), dstOff);
}

/** An ArrayBuffer that sum16Kaluma has given its 16-bit view (kept on the buffer itself). */
interface Summed {
  w16?: Uint16Array;
}

/** How many buffers sum16Kaluma has given a view (at most VIEWS). */
let viewsMade = 0;
/** Views made at most: the frame buffer and the transmit buffer are the ones summed. */
const VIEWS = 2;
/** Longest run sum16Kaluma adds word by word: 2,048 words of at most 0xffff stay below 2^27. */
const WORDS_MAX = 4096;

/**
 * 16-bit one's-complement sum of buf[off, off+len) (RFC 1071), a word per step instead of a
 * byte: JerryScript's per-byte pass is the checksum (the copies and SLIP scans are native),
 * and a word loop runs half the iterations, with no shift or OR per word (bench:board, a
 * 256-octet TCP segment and its ACK: 5.64 M -> 5.29 M instructions).
 * The words are read through a Uint16Array over the whole ArrayBuffer, made the first time a
 * buffer is summed and kept on it (the stack sums two buffers, the decoder's frame and the
 * transmit buffer; beyond VIEWS a buffer is summed bytewise rather than given a view). The
 * view is found on the buffer, not by comparing buffers: Espruino compares them by content,
 * and the board subset forbids it everywhere (tools/subset-check.mjs).
 * A Uint16Array reads the CPU's byte order, little-endian on the RP2040 (and on x86);
 * fromLittleEndian (src/native.ts) turns the folded sum into the big-endian one. The sum stays
 * below 2^27, JerryScript's small-integer range, so it allocates nothing; a buffer beyond
 * VIEWS or a run beyond WORDS_MAX goes to the portable sum.
 */
function sum16Kaluma(buf: Uint8Array, off: number, len: number): number {
  if (len <= 0) return 0;
  if (len > WORDS_MAX) return sum16Js(buf, off, len);
  const ab = buf.buffer as ArrayBuffer & Summed;
  let w = ab.w16;
  if (w === undefined) {
    if (viewsMade >= VIEWS) return sum16Js(buf, off, len);
    viewsMade++;
    w = ab.w16 = new Uint16Array(ab, 0, ab.byteLength >> 1);
  }
  const start = buf.byteOffset + off;
  const odd = start & 1;
  let i = (start + odd) >> 1;
  const end = i + ((len - odd) >> 1);
  let acc = 0;
  while (i < end) acc += w[i++];
  acc = (acc & 0xffff) + (acc >>> 16);
  acc = (acc & 0xffff) + (acc >>> 16);
  return fromLittleEndian(acc, buf, off, len, odd);
}

/** One xorshift32 step (Marsaglia 2003): a cheap full-period mixer over nonzero int32 states. */
function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x | 0;
}

/** Build the Kaluma HAL on an open UART. */
export function createKalumaHal(uart: KalumaUart): KalumaHal {
  let receiver: Receiver | null = null;
  let listening = false;
  const timer = createPollTimer(function () { return millis(); });
  // Entropy pool: never zero (xorshift's only fixed point).
  let pool = (((Math.random() * 4294967296) | 0) ^ millis()) | 1;

  installNative(sum16Kaluma, copyKaluma, findIndexOf);

  function stir(v: number): void {
    pool = xorshift32((pool ^ v) | 1);
  }

  function onData(data: Uint8Array): void {
    stir(millis() ^ (data.length << 16));
    // Only a chunk that completed a frame can have changed a timer.
    if (receiver !== null && receiver(data, 0, data.length)) timer.pollAndArm();
  }

  return {
    write(buf: Uint8Array, off: number, len: number): void {
      // A standalone buffer: Kaluma would send the whole ArrayBuffer of a view.
      uart.write(buf.slice(off, off + len));
    },
    setReceiver(rx: Receiver): void {
      receiver = rx;
    },
    now(): number {
      return millis();
    },
    wake: timer.wake,
    random32(): number {
      stir(millis());
      stir((Math.random() * 4294967296) | 0);
      return pool;
    },
    start(s: Pollable): void {
      timer.attach(s);
      if (!listening) {
        uart.on('data', onData);
        listening = true;
      }
      timer.pollAndArm();
    },
  };
}
