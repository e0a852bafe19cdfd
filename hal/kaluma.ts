/**
 * The Kaluma HAL (JerryScript on the RP2040): the stack's byte pipe on a UART, Kaluma's
 * millisecond clock, a best-effort random source, and a native bulk copy.
 *
 * Contract (see src/hal.ts):
 * - `createKalumaHal(uart)` takes a UART the firmware opened with
 *   `new (require('uart').UART)(0, { baudrate })`, installs the native copy, returns the HAL;
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
 * Allocation: the copy uses `set` with a fresh view and `write` a fresh slice; JerryScript
 * frees those by reference counting as soon as they are dropped, so no collector pauses,
 * and native copying beats a JavaScript byte loop on an interpreter.
 */
import type { Hal, Receiver, Pollable } from '../src/hal.js';
import { installNative, findIndexOf } from '../src/native.js';
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

  installNative(null, copyKaluma, findIndexOf);

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
