/**
 * One error vocabulary for the whole API (TCP, UDP, ICMP): errno values with Linux's numbers,
 * so tools print the familiar names, and the one error class that misuse throws.
 *
 * Contract:
 * - A run-time outcome is returned, never thrown: a negative errno (`-EAGAIN`: nothing to read
 *   yet; `-ECONNRESET`: the peer reset; `-EMSGSIZE`: a datagram too long for the link).
 *   Non-negative results are data (octet counts, handles).
 * - Misuse of the API (a handle that is not open, a non-integer or out-of-range length,
 *   offset, port or address) throws a `StackError` whose `code` is the errno, before anything
 *   reaches the wire. Nothing a packet does ever throws.
 */

export const E_OK = 0;
export const EBADF = 9;
export const EAGAIN = 11;
export const EINVAL = 22;
export const EPIPE = 32;
export const EMSGSIZE = 90;
export const EADDRINUSE = 98;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const ECONNRESET = 104;
export const EHOSTUNREACH = 113;

/** The errno name of a code, with or without its minus sign (host tools). */
export function errnoName(code: number): string {
  const c = code < 0 ? -code : code;
  switch (c) {
    case E_OK: return 'OK';
    case EBADF: return 'EBADF';
    case EAGAIN: return 'EAGAIN';
    case EINVAL: return 'EINVAL';
    case EPIPE: return 'EPIPE';
    case EMSGSIZE: return 'EMSGSIZE';
    case EADDRINUSE: return 'EADDRINUSE';
    case ECONNRESET: return 'ECONNRESET';
    case ENOBUFS: return 'ENOBUFS';
    case EISCONN: return 'EISCONN';
    case ENOTCONN: return 'ENOTCONN';
    case ETIMEDOUT: return 'ETIMEDOUT';
    case ECONNREFUSED: return 'ECONNREFUSED';
    case EHOSTUNREACH: return 'EHOSTUNREACH';
    default: return 'E' + c;
  }
}

/**
 * Thrown for misuse of the API, never for anything a packet does. `code` is an errno.
 *
 * Not `extends Error`: Espruino cannot call `super` in a class that extends a built-in ("Calling
 * 'super' outside of class"), so the prototype chain is set by hand below; `instanceof Error`
 * still holds on every runtime, and V8 still records a stack trace.
 */
export class StackError {
  name: string;
  message: string;
  code: number;
  stack?: string;
  constructor(code: number, message: string) {
    this.name = 'StackError';
    this.message = message;
    this.code = code;
    const E = Error as unknown as { captureStackTrace?: (o: object, f: unknown) => void };
    if (E.captureStackTrace !== undefined) E.captureStackTrace(this, StackError);
  }
}
Object.setPrototypeOf(StackError.prototype, Error.prototype);
