/**
 * The HAL contract: everything the stack needs from the world is a byte pipe, a clock and a
 * random source. The same core runs on the loopback link model, a host serial port, and the
 * Espruino and Kaluma UARTs; those implementations live in hal/, which imports this file
 * (never the other way round: nothing in src/ imports from hal/).
 *
 * Rules every HAL follows:
 * - `write` must finish with (or copy) the bytes before it returns: the stack reuses its
 *   transmit buffer for the next frame at once. One call carries one SLIP-encoded frame.
 * - The receiver is registered once at start-up with `setReceiver`; the HAL calls it with
 *   whatever chunk of bytes the line delivered (any split, frames may straddle chunks).
 *   The receiver does not keep a reference to the chunk after it returns. It returns true
 *   when the chunk completed a frame (the decoder already looked for the SLIP END, so the HAL
 *   need not scan the chunk again).
 * - `now()` is monotonic milliseconds, preferably whole ones (board clocks are: Kaluma's
 *   `millis()`, Espruino's `getTime()` scaled). Fractions work, but V8 boxes each fractional
 *   number passed between functions into a heap object, so a host HAL that wants the
 *   zero-allocation property keeps its clock integral. The stack never reads another clock.
 * - `random32()` returns 32 random bits as an int32; it seeds ISN secrets and the like,
 *   so a board HAL should use a hardware source where it has one.
 * - The HAL polls the stack after every chunk for which the receiver returned true (a chunk
 *   that only fills the decoder can change no timer, so a board HAL skips that poll, its most
 *   expensive part) and whenever the deadline that `poll` returned comes. A user call made
 *   outside both (from the application's own timer, say) can set an earlier deadline, such as
 *   the retransmission timer of the data it wrote; the stack then calls `wake()`, and the HAL polls again soon, from its own event
 *   loop, never from inside `wake`. Without it, a lost segment written that way would wait
 *   for the next byte from the line, which may never come.
 */

/**
 * Bytes that arrived on the line; true when they completed a frame (the HAL then polls). A
 * receiver that is not a stack (a tool's tap, a test's sink) may return nothing: no poll.
 */
export type Receiver = (buf: Uint8Array, off: number, len: number) => boolean | void;

export interface Hal {
  /** Put one SLIP-encoded frame on the line. */
  write(buf: Uint8Array, off: number, len: number): void;
  /** Register the one consumer of incoming bytes. */
  setReceiver(rx: Receiver): void;
  /** Milliseconds on this HAL's clock. */
  now(): number;
  /** 32 random bits as an int32. */
  random32(): number;
  /** Poll again soon: a user call outside input and poll may have moved the next deadline earlier. */
  wake?(): void;
}

/** What a HAL drives: the stack's poll (structural, so a HAL needs nothing but this file). */
export interface Pollable {
  /** Run timers at `now` (ms); returns the absolute time of the next poll needed, Infinity for none. */
  poll(now: number): number;
}
