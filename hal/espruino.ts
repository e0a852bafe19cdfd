/**
 * The Espruino HAL: the stack's byte pipe on a hardware UART (`Serial1`), Espruino's clock,
 * its hardware random number generator, and native versions of the two per-byte primitives.
 *
 * Contract (see src/hal.ts):
 * - `createEspruinoHal(serial, baud)` installs the native sum and copy and returns the HAL;
 *   `createStack(config, hal)` then registers the stack as the receiver.
 * - `start(stack)` opens the port at `baud` and feeds the received bytes to the receiver: a
 *   chunk without an END is held as text (less than HOLD octets) and handed on with the chunk
 *   that brings one, so the receiver sees every byte, in order, once. It polls the stack once
 *   after each chunk that completed a frame (the receiver says so), and
 *   keeps exactly one timer (or none) armed for the deadline that `poll` returned. Calling it
 *   again (from `onInit` after a `save()`) re-opens the port without adding a second listener
 *   or timer. `wake()` (the stack calls it after a user call from the application's own
 *   timers) polls at the next turn.
 * - `write` hands the frame to `serial.write` as a view of the caller's bytes; Espruino's
 *   UART copies it into its transmit buffer before returning.
 *
 * Allocation: Espruino cannot run the stack's per-byte loops fast enough (a few thousand
 * loop iterations per second on a board), so the primitives here make
 * small typed-array views to reach native code (`E.sum`, `set`). That allocates, which the
 * zero-allocation rule forbids on V8, but Espruino's memory is reference counted: a view
 * goes back to the free list the moment the call returns, there is no garbage collector
 * to pause, and the few JsVars it takes are far cheaper than a JavaScript byte loop.
 * The same goes for the Uint8Array that `E.toUint8Array` makes for the bytes handed on, and
 * for the text of chunks held until an END comes (freed when it is handed on; below HOLD).
 */
import type { Hal, Receiver, Pollable } from '../src/hal.js';
import { installNative, findIndexOf, fromLittleEndian } from '../src/native.js';
import { createPollTimer } from './poll-timer.js';

export type { Pollable };

/** The HAL plus the call that wires it to the UART and the timers. */
export interface EspruinoHal extends Hal {
  /** Open the port, start feeding received bytes and polling the stack. */
  start(stack: Pollable): void;
}

/**
 * Copy with `Uint8Array.prototype.set`, natively, front to back (src/native.ts: a copy only
 * ever moves bytes down inside one buffer, which a front-to-back copy does right). The source
 * range is a `subarray`: on Espruino cheaper than a view made from `buffer` and `byteOffset`.
 * No `dst.buffer === src.buffer` test: Espruino compares typed arrays by content (measured:
 * millions of instructions for a 296-octet buffer), and with an 8 KB ring arena that
 * comparison ran the Pico out of JsVars.
 */
function copyEspruino(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  if (len > 0) dst.set(src.subarray(srcOff, srcOff + len), dstOff);
}

/**
 * Octets of chunks without an END held as text before they go to the decoder anyway: more
 * than a full frame at the boards' MTU of 296 without escapes, and a bound on what waits.
 */
export const HOLD = 320;

/** Build the Espruino HAL on `serial` (normally `Serial1`) at `baud` bits per second. */
export function createEspruinoHal(serial: EspruinoSerial, baud: number): EspruinoHal {
  let receiver: Receiver | null = null;
  let listening = false;

  // The built-ins the per-packet path uses, found here once: Espruino looks a built-in up
  // only after a walk over every global name (README, measured: 31 K instructions per use
  // with 150 functions defined), and a name in this closure's scope before any global.
  const esum = E.sum as (a: ArrayLike<number>) => number;
  const U16 = Uint16Array;
  const U8 = Uint8Array;
  const toU8 = E.toUint8Array;
  const clock = getTime;

  /**
   * 16-bit one's-complement sum of buf[off, off+len) (RFC 1071), computed natively; installed
   * only where E.sum exists. `E.sum` adds the words of a Uint16Array view from the first even
   * byte, in the CPU's byte order (little-endian on every Espruino board); fromLittleEndian
   * (src/native.ts) turns that into the big-endian sum the callers fold and invert.
   * Cost on Espruino (bench:board): a call is worth tens of statements and `buf.buffer` or
   * `buf.byteOffset` each about as much again, so the fold is inline (division, not shifts, so
   * sums above 2^31 work; no `Math.floor`, a built-in found only after a walk over every global).
   */
  function sum16Espruino(buf: Uint8Array, off: number, len: number): number {
    if (len <= 0) return 0;
    const start = buf.byteOffset + off;
    const odd = start & 1;
    let acc = esum(new U16(buf.buffer, start + odd, (len - odd) >> 1));
    while (acc > 0xffff) acc = (acc % 0x10000) + (acc - (acc % 0x10000)) / 0x10000;
    return fromLittleEndian(acc, buf, off, len, odd);
  }

  // E.sum and E.hwRand are left out of the smallest firmware builds (SAVE_ON_FLASH):
  // keep the portable sum and fall back to Math.random there.
  installNative(typeof E.sum === 'function' ? sum16Espruino : null, copyEspruino, findIndexOf);
  const hasHwRand = typeof E.hwRand === 'function';

  function now(): number {
    return clock() * 1000;
  }
  const timer = createPollTimer(now);

  // An END and an ESC after the bytes handed on, past the length the receiver is given: the
  // SLIP decoder's searches (native.find: a typed array's indexOf) then always find what they
  // look for. Measured on Espruino 2v29: an indexOf that finds its octet costs ~100 K
  // instructions wherever it is, one that finds nothing ~2.8 K more per element it passed
  // (the whole chunk: ~460 K for a 91-octet ping, ~0.9 M for a full 296-octet segment).
  const sentinels = '\xc0\xdb';
  const end = '\xc0';
  // The text of the chunks since the last END. Only a chunk with an END can complete a
  // frame, and decoding a chunk costs millions of instructions on Espruino whatever its
  // length (bench:board: 2.75 M for 32 octets), against ~0.2 M to search a string and append
  // it; so the bytes of a frame are decoded once, when its END arrives. At HOLD octets
  // without an END the text goes to the decoder anyway (it keeps its state across chunks), so
  // less than HOLD octets wait here: 37 JsVars at most (measured on Espruino 2v29: 319 octets).
  let held = '';

  function onData(data: string): void {
    let bytes: Uint8Array;
    if (data.indexOf(end) < 0) {
      held += data;
      if (held.length < HOLD) return;
      bytes = toU8(held, sentinels);
    } else {
      bytes = toU8(held, data, sentinels);
    }
    held = '';
    // Only a chunk that completed a frame can have changed a timer; any other chunk just
    // filled the decoder, and its poll was most of the chunk's cost (bench:board).
    if (receiver !== null && receiver(bytes, 0, bytes.length - 2)) timer.pollAndArm();
  }

  return {
    write(buf: Uint8Array, off: number, len: number): void {
      // Espruino's write respects a view's bounds (unlike Kaluma's).
      serial.write(new U8(buf.buffer, buf.byteOffset + off, len));
    },
    setReceiver(rx: Receiver): void {
      receiver = rx;
    },
    now: now,
    wake: timer.wake,
    random32(): number {
      if (hasHwRand) return E.hwRand!() | 0;
      // Weak: Espruino's Math.random is a seeded PRNG; only reached on SAVE_ON_FLASH builds.
      return (Math.random() * 4294967296) | 0;
    },
    start(s: Pollable): void {
      timer.attach(s);
      serial.setup(baud);
      if (!listening) {
        serial.on('data', onData);
        listening = true;
      }
      timer.pollAndArm();
    },
  };
}
