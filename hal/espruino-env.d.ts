/**
 * Ambient types for the Espruino globals that hal/espruino.ts and firmware/espruino.ts use
 * (only these; see https://www.espruino.com/Reference). `setTimeout`, `clearTimeout` and
 * `console` are not redeclared: the standard typings already in this program describe
 * them, and a second declaration would change their types for every other file.
 * Espruino differences to remember: `setTimeout` returns a number id, and `clearTimeout()`
 * with NO argument clears every timer on the board, so always pass an id.
 */

/** A serial port (Serial1, USB, LoopbackA...). */
interface EspruinoSerial {
  /** Configure the port; `baud` in bits per second. */
  setup(baud: number, options?: { rx?: unknown; tx?: unknown }): void;
  /** `data` hands over what arrived as an 8-bit string (one char per byte). */
  on(event: 'data', listener: (data: string) => void): void;
  /** Send a string (8-bit) or typed array; a subarray's bounds are respected. */
  write(data: string | Uint8Array): void;
  /** Move the REPL console to this port; `force` keeps it there when USB disconnects. */
  setConsole(force?: boolean): void;
}

/** The `E` object: Espruino's native helpers. */
interface EspruinoE {
  /** Sum of every element of an array or typed array, computed natively (absent on SAVE_ON_FLASH builds). */
  sum?(arr: ArrayLike<number>): number;
  /** Convert 8-bit strings (or arrays), concatenated in order, to one new Uint8Array, natively. */
  toUint8Array(...data: (string | ArrayLike<number>)[]): Uint8Array;
  /** Convert a typed array (or string) to a new 8-bit string, natively. */
  toString(data: Uint8Array): string;
  /** 32 bits of noise from the internal voltage reference (absent on SAVE_ON_FLASH builds). */
  hwRand?(): number;
}

/** The first hardware UART. */
declare var Serial1: EspruinoSerial;
/** The USB CDC serial port; absent on boards without USB. */
declare var USB: EspruinoSerial | undefined;
/** One end of Espruino's internal loopback serial pair (a place to park the console). */
declare var LoopbackA: EspruinoSerial | undefined;
/** Espruino's native helpers. */
declare var E: EspruinoE;
/** Seconds since power-on, as a float. */
declare function getTime(): number;
