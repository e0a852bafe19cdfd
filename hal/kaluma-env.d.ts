/**
 * Ambient types for the Kaluma globals and the `uart` module that hal/kaluma.ts and
 * firmware/kaluma.ts use (https://kalumajs.org/docs/api/uart). `require`, `setTimeout`,
 * `clearTimeout` and `console` come from the standard typings already in this program.
 */

/** A UART opened with `new (require('uart').UART)(port, options)`. */
interface KalumaUart {
  /** `data` hands over a newly allocated Uint8Array holding what arrived. */
  on(event: 'data', listener: (data: Uint8Array) => void): void;
  /**
   * Send a string or Uint8Array. Bug: a Uint8Array is sent as its WHOLE underlying
   * ArrayBuffer, ignoring byteOffset/byteLength, so pass standalone buffers only.
   */
  write(data: string | Uint8Array): void;
  /** Release the port. */
  close(): void;
}

/** The `uart` module. */
interface KalumaUartModule {
  UART: new (port: number, options?: { baudrate?: number; bits?: number; parity?: number; stop?: number }) => KalumaUart;
}

/** Milliseconds since boot (an integer). */
declare function millis(): number;
