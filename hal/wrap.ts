/**
 * The one HAL wrapper: a HAL that forwards every member of the contract (src/hal.ts) to an
 * inner HAL — `write`, `setReceiver`, `now`, `random32` and `wake` — and shows a tap the bytes
 * crossing it both ways. The pcap writer (hal/pcap.ts) and the tracer (hal/tracer.ts) are taps,
 * like smoltcp's `phy::PcapWriter` and `phy::Tracer`; wrappers stack (a tracer around a pcap
 * writer around a serial port).
 *
 * Contract:
 * - `wrapHal(inner, tap)` claims inner's receiver at once; bytes from the line go first to
 *   `tap.received`, then unchanged to whichever receiver is registered on the wrapper (none
 *   yet: the tap still sees them). A frame this end writes goes to `tap.sent`, then unchanged
 *   to `inner.write`. So a reply sent from inside the receiver reaches the tap after the
 *   packet that caused it.
 * - `wake` is forwarded when the inner HAL has one (and is a no-op otherwise): a wrapper must
 *   never hide the stack's request to be polled again (src/hal.ts, `wake`).
 * - The tap gets the caller's buffer; it must not keep it after it returns.
 * - Allocation-free per frame: the receive closure is made once, here.
 */
import type { Hal, Receiver } from '../src/hal.js';

/** What a wrapper watches. */
export interface Tap {
  /** One SLIP frame this end writes, before the inner HAL sends it. */
  sent(buf: Uint8Array, off: number, len: number): void;
  /** Bytes from the line (any split), before the wrapper's receiver sees them. */
  received(buf: Uint8Array, off: number, len: number): void;
}

/** The wrapper behind `wrapHal`. */
class WrappedHal implements Hal {
  private inner: Hal;
  private tap: Tap;
  private rx: Receiver | null;

  constructor(inner: Hal, tap: Tap) {
    this.inner = inner;
    this.tap = tap;
    this.rx = null;
    inner.setReceiver((buf: Uint8Array, off: number, len: number) => this.receive(buf, off, len));
  }

  /** Bytes from the line: the tap first, then the receiver, untouched. */
  private receive(buf: Uint8Array, off: number, len: number): boolean | void {
    this.tap.received(buf, off, len);
    const rx = this.rx;
    if (rx !== null) return rx(buf, off, len);
  }

  write(buf: Uint8Array, off: number, len: number): void {
    this.tap.sent(buf, off, len);
    this.inner.write(buf, off, len);
  }

  setReceiver(rx: Receiver): void {
    this.rx = rx;
  }

  now(): number {
    return this.inner.now();
  }

  random32(): number {
    return this.inner.random32();
  }

  wake(): void {
    const inner = this.inner;
    if (inner.wake !== undefined) inner.wake();
  }
}

/** A HAL that forwards everything to `inner` and shows `tap` the bytes both ways. */
export function wrapHal(inner: Hal, tap: Tap): Hal {
  return new WrappedHal(inner, tap);
}
